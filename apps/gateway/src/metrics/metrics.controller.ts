import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { type LatestReply, metricsQueries, type RangeQueryReply, type TopKReply } from '@vigil/contracts';
import { ReadOnly } from '../audit/read-only';
import { Access } from '../auth/access';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { Scoped, scopedRequest, scopeOf } from '../auth/scope';
import { ServiceClient } from '../http/service-client';
import { latestRequest, type QueryParams, rangeRequest, topKRequest } from './rest-params';
import { ApiSchemas } from '../http/api-schemas';
import { RestLatestQuery, RestRangeQuery, RestTopKQuery, validQuery } from './query-schemas';

/**
 * Metrics over REST; metrics-svc answers over NATS request/reply. Each query is a GET with
 * query parameters (links, curl) or a POST whose JSON body is the request of the contract
 * (everything the GET form cannot say, e.g. several node labels with commas). A scoped API key's
 * node labels are added to every query's node selector.
 */
@Controller('api/v1/metrics')
@Access('viewer')
@Scoped()
export class MetricsController {
  constructor(private readonly services: ServiceClient) {}

  @Get('query_range')
  @ApiSchemas({ query: RestRangeQuery, summary: 'A range query' })
  range(@Query() q: QueryParams, @CurrentPrincipal() p: Principal): Promise<RangeQueryReply> {
    const request = rangeRequest(validQuery(RestRangeQuery, q), Date.now());
    return this.services.ask(metricsQueries.range, scopedRequest(request, scopeOf(p)));
  }

  @Post('query_range')
  @ApiSchemas({ body: metricsQueries.range.request, summary: 'A range query (the contract request)' })
  @ReadOnly()
  @HttpCode(200)
  rangeJson(@Body() body: unknown, @CurrentPrincipal() p: Principal): Promise<RangeQueryReply> {
    return this.services.ask(metricsQueries.range, scopedRequest(body, scopeOf(p)));
  }

  @Get('topk')
  @ApiSchemas({ query: RestTopKQuery, summary: 'The top k series' })
  topK(@Query() q: QueryParams, @CurrentPrincipal() p: Principal): Promise<TopKReply> {
    const request = topKRequest(validQuery(RestTopKQuery, q), Date.now());
    return this.services.ask(metricsQueries.topK, scopedRequest(request, scopeOf(p)));
  }

  @Post('topk')
  @ApiSchemas({ body: metricsQueries.topK.request, summary: 'The top k series (the contract request)' })
  @ReadOnly()
  @HttpCode(200)
  topKJson(@Body() body: unknown, @CurrentPrincipal() p: Principal): Promise<TopKReply> {
    return this.services.ask(metricsQueries.topK, scopedRequest(body, scopeOf(p)));
  }

  @Get('latest')
  @ApiSchemas({ query: RestLatestQuery, summary: 'The latest values' })
  latest(@Query() q: QueryParams, @CurrentPrincipal() p: Principal): Promise<LatestReply> {
    const request = latestRequest(validQuery(RestLatestQuery, q));
    return this.services.ask(metricsQueries.latest, scopedRequest(request, scopeOf(p)));
  }

  @Post('latest')
  @ApiSchemas({ body: metricsQueries.latest.request, summary: 'The latest values (the contract request)' })
  @ReadOnly()
  @HttpCode(200)
  latestJson(@Body() body: unknown, @CurrentPrincipal() p: Principal): Promise<LatestReply> {
    return this.services.ask(metricsQueries.latest, scopedRequest(body, scopeOf(p)));
  }
}
