import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { type LatestReply, metricsQueries, type RangeQueryReply, type TopKReply } from '@vigil/contracts';
import { ReadOnly } from '../audit/read-only';
import { Access } from '../auth/access';
import { ServiceClient } from '../http/service-client';
import { latestRequest, type QueryParams, rangeRequest, topKRequest } from './rest-params';

/**
 * Metrics over REST; metrics-svc answers over NATS request/reply. Each query is a GET with
 * query parameters (links, curl) or a POST whose JSON body is the request of the contract
 * (everything the GET form cannot say, e.g. several node labels with commas).
 */
@Controller('api/v1/metrics')
@Access('viewer')
export class MetricsController {
  constructor(private readonly services: ServiceClient) {}

  @Get('query_range')
  range(@Query() q: QueryParams): Promise<RangeQueryReply> {
    return this.services.ask(metricsQueries.range, rangeRequest(q, Date.now()));
  }

  @Post('query_range')
  @ReadOnly()
  @HttpCode(200)
  rangeJson(@Body() body: unknown): Promise<RangeQueryReply> {
    return this.services.ask(metricsQueries.range, body);
  }

  @Get('topk')
  topK(@Query() q: QueryParams): Promise<TopKReply> {
    return this.services.ask(metricsQueries.topK, topKRequest(q, Date.now()));
  }

  @Post('topk')
  @ReadOnly()
  @HttpCode(200)
  topKJson(@Body() body: unknown): Promise<TopKReply> {
    return this.services.ask(metricsQueries.topK, body);
  }

  @Get('latest')
  latest(@Query() q: QueryParams): Promise<LatestReply> {
    return this.services.ask(metricsQueries.latest, latestRequest(q));
  }

  @Post('latest')
  @ReadOnly()
  @HttpCode(200)
  latestJson(@Body() body: unknown): Promise<LatestReply> {
    return this.services.ask(metricsQueries.latest, body);
  }
}
