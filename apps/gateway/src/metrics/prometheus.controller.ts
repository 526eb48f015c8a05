import { Body, Controller, Get, HttpCode, Param, Post, Query, UseFilters } from '@nestjs/common';
import { type Labels, metricsQueries, NotFoundError, ValidationError } from '@vigil/contracts';
import { ReadOnly } from '../audit/read-only';
import { Access } from '../auth/access';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { Scoped, scopeOf } from '../auth/scope';
import { Consumes, FORM } from '../http/media-type';
import { ServiceClient } from '../http/service-client';
import { PrometheusErrorFilter } from './prometheus-error.filter';
import {
  aggregateInstant,
  type InstantSample,
  type PromMatrix,
  type PromSuccess,
  type PromVector,
  success,
  toMatrix,
  toVector,
} from './prometheus.format';
import { parsePromQL, type PromQuery } from './promql';
import { many, one, type QueryParams } from './rest-params';
import { promStep, promTime } from './time-params';
import { ApiSchemas } from '../http/api-schemas';
import { PromInstantQuery, PromLabelsQuery, PromRangeQuery, validQuery } from './query-schemas';

/** Prometheus' default lookback: an instant query sees a series' last sample up to this old. */
const LOOKBACK_MS = 5 * 60_000;
/** Instant queries this close to the present read the latest values (Redis) instead of the rollups. */
const PRESENT_MS = 60_000;
/** The finest step the metrics contract takes; Prometheus allows less, Vigil's finest tier is 10 s anyway. */
const MIN_STEP_MS = 1000;

/**
 * The read side of the Prometheus HTTP API, enough for Grafana's Prometheus data source:
 * range and instant queries of the PromQL subset in promql.ts, label names and values.
 * GET takes query parameters, POST the same as a form (Grafana's default). A range point
 * at t is the average of the samples in [t, t + step); an unknown metric is an empty
 * result, as in Prometheus. A scoped API key's node labels are added to every query; label names
 * and values are not node-scoped, so a scoped key is refused there.
 */
@Controller('api/v1')
@Access('viewer')
@UseFilters(PrometheusErrorFilter)
export class PrometheusController {
  constructor(private readonly services: ServiceClient) {}

  @Get('query_range')
  @ApiSchemas({ query: PromRangeQuery, summary: 'PromQL range query (Prometheus HTTP API)' })
  @Scoped()
  rangeGet(@Query() q: QueryParams, @CurrentPrincipal() p: Principal): Promise<PromSuccess<PromMatrix>> {
    return this.range(q, scopeOf(p));
  }

  @Post('query_range')
  @ApiSchemas({ body: PromRangeQuery, summary: 'PromQL range query, as a form (Prometheus HTTP API)' })
  @ReadOnly()
  @Consumes(FORM, 'application/json')
  @HttpCode(200)
  @Scoped()
  rangePost(
    @Query() q: QueryParams,
    @Body() form: QueryParams,
    @CurrentPrincipal() p: Principal,
  ): Promise<PromSuccess<PromMatrix>> {
    return this.range({ ...q, ...form }, scopeOf(p));
  }

  @Get('query')
  @ApiSchemas({ query: PromInstantQuery, summary: 'PromQL instant query (Prometheus HTTP API)' })
  @Scoped()
  instantGet(@Query() q: QueryParams, @CurrentPrincipal() p: Principal): Promise<PromSuccess<PromVector>> {
    return this.instant(q, scopeOf(p));
  }

  @Post('query')
  @ApiSchemas({ body: PromInstantQuery, summary: 'PromQL instant query, as a form (Prometheus HTTP API)' })
  @ReadOnly()
  @Consumes(FORM, 'application/json')
  @HttpCode(200)
  @Scoped()
  instantPost(
    @Query() q: QueryParams,
    @Body() form: QueryParams,
    @CurrentPrincipal() p: Principal,
  ): Promise<PromSuccess<PromVector>> {
    return this.instant({ ...q, ...form }, scopeOf(p));
  }

  @Get('labels')
  @ApiSchemas({ query: PromLabelsQuery, summary: 'Label names (Prometheus HTTP API)' })
  labelsGet(@Query() q: QueryParams): Promise<PromSuccess<string[]>> {
    return this.labelNames(q);
  }

  @Post('labels')
  @ApiSchemas({ body: PromLabelsQuery, summary: 'Label names, as a form (Prometheus HTTP API)' })
  @ReadOnly()
  @HttpCode(200)
  labelsPost(@Query() q: QueryParams, @Body() form: QueryParams): Promise<PromSuccess<string[]>> {
    return this.labelNames({ ...q, ...form });
  }

  @Get('label/:name/values')
  @ApiSchemas({ query: PromLabelsQuery, summary: "A label's values (Prometheus HTTP API)" })
  async labelValues(@Param('name') name: string, @Query() q: QueryParams): Promise<PromSuccess<string[]>> {
    const values = new Set<string>();
    for (const metric of this.matchMetrics(validQuery(PromLabelsQuery, q))) {
      for (const v of (await this.services.ask(metricsQueries.labelValues, { label: name, metric })).values)
        values.add(v);
    }
    return success([...values].sort());
  }

  private async range(given: QueryParams, scope: Labels | undefined): Promise<PromSuccess<PromMatrix>> {
    const q = validQuery(PromRangeQuery, given);
    const query = parsePromQL(required(q, 'query'));
    const start = promTime(one(q, 'start'), 'start');
    const end = promTime(one(q, 'end'), 'end');
    const step = Math.max(promStep(one(q, 'step')), MIN_STEP_MS);
    if (end < start) throw badData('end timestamp must not be before start time');
    const reply = await this.orEmpty(
      this.services.ask(metricsQueries.range, {
        metric: query.metric,
        matchers: query.matchers,
        // Prometheus' end is inclusive, the contract's exclusive.
        start,
        end: end + 1,
        step,
        stat: 'avg',
        ...(query.aggregate ? { aggregate: query.aggregate } : {}),
        ...nodesOf(scope),
      }),
      { tier: '10s', step, series: [] },
    );
    return success(toMatrix(reply.series, !!query.aggregate));
  }

  private async instant(given: QueryParams, scope: Labels | undefined): Promise<PromSuccess<PromVector>> {
    const q = validQuery(PromInstantQuery, given);
    const query = parsePromQL(required(q, 'query'));
    const now = Date.now();
    const at = promTime(one(q, 'time'), 'time', now);
    const samples =
      Math.abs(now - at) <= PRESENT_MS
        ? await this.latestSamples(query, at, scope)
        : await this.pastSamples(query, at, scope);
    return success(
      toVector(query.aggregate ? aggregateInstant(samples, query.aggregate.op, query.aggregate.by) : samples, at),
    );
  }

  /** Now: each series' latest value within the lookback, from Redis. */
  private async latestSamples(query: PromQuery, at: number, scope: Labels | undefined): Promise<InstantSample[]> {
    const reply = await this.orEmpty(
      this.services.ask(metricsQueries.latest, { metric: query.metric, matchers: query.matchers, ...nodesOf(scope) }),
      { items: [] },
    );
    return reply.items
      .filter((i) => i.timestamp > at - LOOKBACK_MS)
      .map((i) => ({ labels: { __name__: i.metric, ...i.labels, node: i.nodeId }, value: i.value }));
  }

  /** In the past: each series' last value in the lookback before `at`, from the rollups (to the bucket). */
  private async pastSamples(query: PromQuery, at: number, scope: Labels | undefined): Promise<InstantSample[]> {
    const reply = await this.orEmpty(
      this.services.ask(metricsQueries.range, {
        metric: query.metric,
        matchers: query.matchers,
        start: at - LOOKBACK_MS,
        end: at + 1,
        step: 10_000,
        stat: 'last',
        ...nodesOf(scope),
      }),
      { tier: '10s', step: 10_000, series: [] },
    );
    return reply.series
      .filter((s) => s.points.length > 0)
      .map((s) => ({ labels: { __name__: s.metric, ...s.labels }, value: s.points[s.points.length - 1][1] }));
  }

  private async labelNames(given: QueryParams): Promise<PromSuccess<string[]>> {
    const names = new Set<string>();
    for (const metric of this.matchMetrics(validQuery(PromLabelsQuery, given))) {
      for (const n of (await this.services.ask(metricsQueries.labelNames, { metric })).names) names.add(n);
    }
    return success([...names].sort());
  }

  /** The metrics of the `match[]` selectors, or one undefined (all metrics) without any. */
  private matchMetrics(q: QueryParams): (string | undefined)[] {
    const selectors = many(q, 'match');
    return selectors.length ? [...new Set(selectors.map((s) => parsePromQL(s).metric))] : [undefined];
  }

  /** An unknown metric: Prometheus answers an empty result, not an error. */
  private async orEmpty<T>(reply: Promise<T>, empty: T): Promise<T> {
    try {
      return await reply;
    } catch (e) {
      if (e instanceof NotFoundError) return empty;
      throw e;
    }
  }
}

/** A scoped API key's node selector (PromQL's own matchers are series labels, not node labels). */
function nodesOf(scope: Labels | undefined): { nodes?: { labels: Labels } } {
  return scope ? { nodes: { labels: scope } } : {};
}

function required(q: QueryParams, name: string): string {
  const v = one(q, name);
  if (v === undefined) throw badData(`${name} is required`);
  return v;
}

/** Prometheus' `bad_data`. */
function badData(message: string): ValidationError {
  return new ValidationError(message);
}
