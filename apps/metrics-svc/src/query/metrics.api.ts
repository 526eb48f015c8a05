import { type BeforeApplicationShutdown, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import { metricsQueries, type NodeEvent } from '@vigil/contracts';
import type { ProjectionRunner } from '@vigil/event-store';
import { replyDataBudget, serveQuery } from '@vigil/messaging';
import { Counter, Gauge } from 'prom-client';
import {
  Bus,
  Cache,
  Database,
  InjectConfig,
  Observability,
  projectionRunner,
  rpcServerDeps,
  type ServiceConfig,
} from '@vigil/platform';
import { type MetricsEnv, retentionOf } from '../config';
import { metricsNodesProjection } from '../nodes/nodes.projection';
import { LabelQueries } from './labels.query';
import { latestQuery } from './latest.query';
import { RangeCache } from './range-cache';
import type { QueryContext } from './query-context';
import { rangeQuery } from './range.query';
import { SeriesSelector } from './series-selector';
import { topKQuery } from './topk.query';

/**
 * Answers `qry.metrics.*` over NATS request/reply (queue group: replicas share the load) and
 * keeps the node labels read model those queries select nodes by.
 */
@Injectable()
export class MetricsQueryApi implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly context: QueryContext;
  readonly nodes: ProjectionRunner<NodeEvent>;
  readonly labels: LabelQueries;
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    db: Database,
    cache: Cache,
    private readonly obs: Observability,
    @InjectConfig() config: ServiceConfig & MetricsEnv,
  ) {
    this.context = {
      db,
      cache,
      selector: new SeriesSelector(db, config.VIGIL_METRICS_MAX_SERIES),
      retention: retentionOf(config),
      maxPoints: config.VIGIL_METRICS_MAX_POINTS,
      maxReplyBytes: () => replyDataBudget(bus.nc),
      partitions: bus.topology.partitions,
      rangeCache:
        config.VIGIL_METRICS_TOPK_CACHE_MB > 0
          ? new RangeCache(config.VIGIL_METRICS_TOPK_CACHE_MB * 1024 * 1024)
          : undefined,
      logger: obs.logger,
      now: Date.now,
    };
    const rangeCache = this.context.rangeCache;
    if (rangeCache) {
      const registers = [obs.registry];
      new Counter({
        name: 'vigil_metrics_topk_cache_buckets_total',
        help: 'Closed buckets of top-k queries over a range, by where they came from (hit: memory, miss: read from Postgres for the query, prefetch: read ahead of a minute boundary, derived: folded from the finer buckets held)',
        labelNames: ['result'],
        registers,
        collect() {
          this.reset();
          this.inc({ result: 'hit' }, rangeCache.hits);
          this.inc({ result: 'miss' }, rangeCache.misses);
          this.inc({ result: 'prefetch' }, rangeCache.prefetched);
          this.inc({ result: 'derived' }, rangeCache.derived);
        },
      });
      new Gauge({
        name: 'vigil_metrics_topk_cache_bytes',
        help: 'Memory held by the top-k range cache (VIGIL_METRICS_TOPK_CACHE_MB bounds it)',
        registers,
        collect() {
          this.set(rangeCache.bytes);
        },
      });
    }
    this.labels = new LabelQueries(db);
    this.nodes = projectionRunner({ bus, db, obs }, 'metrics', 'node', metricsNodesProjection);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.nodes.start();
    const deps = rpcServerDeps(this.bus, this.obs);
    this.subscriptions = [
      serveQuery(deps, metricsQueries.range, (r) => rangeQuery(this.context, r)),
      serveQuery(deps, metricsQueries.topK, (r) => topKQuery(this.context, r)),
      serveQuery(deps, metricsQueries.latest, (r) => latestQuery(this.context, r)),
      serveQuery(deps, metricsQueries.labelNames, (r) => this.labels.names(r)),
      serveQuery(deps, metricsQueries.labelValues, (r) => this.labels.values(r)),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
    this.subscriptions = [];
    await this.nodes.stop();
  }
}
