import { type BeforeApplicationShutdown, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { IdentityEvent } from '@vigil/contracts';
import type { ProjectionRunner } from '@vigil/event-store';
import {
  Bus,
  Cache,
  Database,
  IdentityGate,
  InjectConfig,
  LeasedSchedule,
  Observability,
  projectionRunner,
  RedisLease,
  SecurityViolations,
  serveDeadLetters,
  type ServiceConfig,
} from '@vigil/platform';
import type { Subscription } from '@nats-io/nats-core';
import { type MetricsEnv, retentionOf } from '../config';
import { createMetricsSvcMetrics } from '../metrics-svc.metrics';
import { LiveViewSweep } from '../storage/live-view-sweep';
import { maintainPartitions } from '../storage/partitions';
import { COARSE_TIERS, TierRollup } from '../storage/tier-rollup';
import { IngestService, liveViewMaxAge } from './ingest.service';

/** How often one replica sweeps the live view for fields nobody deleted (LiveViewSweep). */
const LIVE_SWEEP_MS = 5 * 60_000;

/**
 * The write side of metrics-svc: partition maintenance (once at start, then on one replica
 * on a schedule), the ingest of sample batches, and the rollup of the coarser tiers (on one
 * replica at a time).
 */
@Injectable()
export class IngestRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly ingest: IngestService;
  readonly rollup: TierRollup;
  readonly identity: IdentityGate;
  private readonly identities: ProjectionRunner<IdentityEvent>;
  private readonly schedules: LeasedSchedule[];
  private deadLetters: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    cache: Cache,
    private readonly obs: Observability,
    violations: SecurityViolations,
    @InjectConfig() private readonly config: ServiceConfig & MetricsEnv,
  ) {
    const retention = retentionOf(config);
    const metrics = createMetricsSvcMetrics(
      obs.registry,
      () => this.ingest.activeSeries(),
      () => this.ingest.ownedPartitions().length,
      () => this.ingest.heldNodes(),
    );
    this.identity = new IdentityGate(db, violations, {
      table: 'metrics.node_identities',
      projection: 'metrics-identities',
      marksTable: 'metrics.replay_marks',
      requireEnrollment: config.VIGIL_REQUIRE_ENROLLMENT,
      skewMs: config.VIGIL_SIGNATURE_SKEW_MS,
    });
    this.identities = projectionRunner({ bus, db, obs }, 'metrics', 'identity', this.identity.projection());
    this.ingest = new IngestService(bus, db, cache, metrics, this.identity, obs.logger, {
      flushMs: config.VIGIL_METRICS_FLUSH_MS,
      graceMs: config.VIGIL_METRICS_GRACE_MS,
      maxFutureMs: config.VIGIL_METRICS_MAX_FUTURE_MS,
      leaseMs: config.VIGIL_METRICS_LEASE_MS,
      retention,
      writeConcurrency: config.VIGIL_METRICS_WRITE_CONCURRENCY,
      skewMs: config.VIGIL_SIGNATURE_SKEW_MS,
      limits: {
        perNode: config.VIGIL_METRICS_INGEST_MAX_SERIES_PER_NODE,
        perMetric: config.VIGIL_METRICS_INGEST_MAX_SERIES_PER_METRIC,
        maxHeld: config.VIGIL_METRICS_INGEST_MAX_SERIES,
        idleMs: config.VIGIL_METRICS_INGEST_SERIES_IDLE_MS,
      },
    });
    this.rollup = new TierRollup(db, bus.topology.partitions);
    const onError = (e: unknown) => obs.logger.error({ err: e }, 'scheduled metrics task failed');
    const liveSweep = new LiveViewSweep(cache, liveViewMaxAge(config.VIGIL_METRICS_INGEST_SERIES_IDLE_MS));
    this.schedules = [
      new LeasedSchedule(
        new RedisLease(cache.redis, cache.key('metrics', 'rollup'), config.VIGIL_METRICS_ROLLUP_MS * 3),
        config.VIGIL_METRICS_ROLLUP_MS,
        async () => {
          for (const tier of COARSE_TIERS) {
            const end = metrics.rollupDuration.startTimer({ tier });
            const rows = await this.rollup.runTier(tier);
            end();
            if (rows) metrics.rows.inc({ tier }, rows);
          }
        },
        onError,
      ),
      new LeasedSchedule(
        new RedisLease(cache.redis, cache.key('metrics', 'live-sweep'), LIVE_SWEEP_MS * 3),
        LIVE_SWEEP_MS,
        async () => metrics.liveFieldsSwept.inc(await liveSweep.run()),
        onError,
      ),
      new LeasedSchedule(
        new RedisLease(cache.redis, cache.key('metrics', 'partitions'), config.VIGIL_METRICS_MAINTENANCE_MS * 3),
        config.VIGIL_METRICS_MAINTENANCE_MS,
        () => this.maintain(),
        onError,
      ),
    ];
  }

  async maintain(): Promise<void> {
    const report = await maintainPartitions(this.db.dataSource, this.db.schema, retentionOf(this.config), Date.now());
    // The DLQ keeps a message 14 days: the record of a redrive is not needed for longer.
    await this.db.query(
      'dlq_redriven_prune',
      "DELETE FROM metrics.dlq_redriven WHERE redriven_at < now() - interval '30 days'",
    );
    if (report.created.length || report.dropped.length) this.obs.logger.info(report, 'rollup partitions maintained');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.maintain();
    await this.identity.load();
    await this.identities.start();
    await this.ingest.start();
    for (const s of this.schedules) s.start();
    this.deadLetters = serveDeadLetters(this.bus, this.obs, 'metrics-svc', [
      this.ingest.redriveHandler(),
    ]).subscriptions;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.deadLetters.map((s) => s.drain()));
    this.deadLetters = [];
    await Promise.all(this.schedules.map((s) => s.stop()));
    await this.ingest.stop();
    await this.identities.stop();
  }
}
