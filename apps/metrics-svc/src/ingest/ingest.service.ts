import { randomUUID } from 'node:crypto';
import { RedisLease } from '@vigil/platform';
import type { Bus, Cache, Database } from '@vigil/platform';
import type { Logger } from 'pino';
import type { Retention } from '../config';
import type { MetricsSvcMetrics } from '../metrics-svc.metrics';
import { PartitionWorker, type PartitionWorkerDeps } from './partition-worker';
import { RollupWriter } from './rollup-writer';

export interface IngestOptions {
  flushMs: number;
  graceMs: number;
  maxFutureMs: number;
  leaseMs: number;
  retention: Retention;
}

/**
 * Shares the TELEMETRY partitions among the live replicas: each holds a Redis lease per
 * partition it ingests and takes at most its fair share (partitions / live replicas), so a
 * second replica takes half over and a dead one's partitions are taken over within a lease
 * time. The lease only spreads the work; correctness rests on the generation fence in
 * Postgres, so two owners at once (a paused holder whose lease expired) cost a restart,
 * never a double count.
 */
export class IngestService {
  readonly id = randomUUID();
  private readonly workers = new Map<number, { worker: PartitionWorker; lease: RedisLease }>();
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private readonly workerDeps: PartitionWorkerDeps;

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    private readonly cache: Cache,
    metrics: MetricsSvcMetrics,
    private readonly logger: Logger,
    private readonly opts: IngestOptions,
  ) {
    this.workerDeps = {
      bus,
      db,
      cache,
      writer: new RollupWriter(db, opts.retention),
      metrics,
      logger,
      owner: this.id,
      flushMs: opts.flushMs,
      graceMs: opts.graceMs,
      maxFutureMs: opts.maxFutureMs,
      oldestMs: opts.retention['1h'],
      onLost: (p) => void this.release(p, false),
    };
  }

  ownedPartitions(): number[] {
    return [...this.workers.keys()].sort((a, b) => a - b);
  }

  activeSeries(): number {
    let n = 0;
    for (const { worker } of this.workers.values()) n += worker.seriesCount();
    return n;
  }

  async start(): Promise<void> {
    await this.db.query(
      'ingest_partitions_init',
      'INSERT INTO metrics.ingest_partitions (partition) SELECT generate_series(0, $1 - 1) ON CONFLICT DO NOTHING',
      [this.bus.topology.partitions],
    );
    await this.tick();
    this.timer = setInterval(() => {
      if (!this.ticking) this.ticking = this.tick().finally(() => (this.ticking = undefined));
    }, Math.max(100, Math.floor(this.opts.leaseMs / 3)));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    await Promise.all(this.ownedPartitions().map((p) => this.release(p, true)));
    await this.cache.redis.zrem(this.membersKey(), this.id).catch(() => undefined);
  }

  private membersKey(): string {
    return this.cache.key('metrics', 'ingest', 'members');
  }

  private async tick(): Promise<void> {
    try {
      const now = Date.now();
      const members = this.membersKey();
      await this.cache.redis.zadd(members, now, this.id);
      await this.cache.redis.zremrangebyscore(members, '-inf', now - this.opts.leaseMs);
      const live = Math.max(1, await this.cache.redis.zcard(members));
      const total = this.bus.topology.partitions;
      const share = Math.ceil(total / live);
      // Renew what we hold; a lease we could not renew means someone else has it now.
      for (const [p, { lease }] of this.workers) {
        if (!(await lease.tryHold())) await this.release(p, false);
      }
      // Give back partitions beyond our share, so a newcomer finds some free.
      for (const p of this.ownedPartitions().slice(share)) await this.release(p, true);
      // Take free ones up to our share, starting at a per-replica offset to spread them.
      const offset = parseInt(this.id.slice(0, 8), 16) % total;
      for (let i = 0; i < total && this.workers.size < share; i++) {
        const p = (offset + i) % total;
        if (this.workers.has(p)) continue;
        const lease = new RedisLease(this.cache.redis, this.cache.key('metrics', 'ingest', 'partition', String(p)), this.opts.leaseMs);
        if (!(await lease.tryHold())) continue;
        const worker = new PartitionWorker(this.workerDeps, p);
        this.workers.set(p, { worker, lease });
        try {
          await worker.start();
          this.logger.info({ partition: p }, 'ingesting partition');
        } catch (e) {
          this.workers.delete(p);
          await lease.release().catch(() => undefined);
          throw e;
        }
      }
    } catch (e) {
      this.logger.error({ err: e }, 'partition assignment failed');
    }
  }

  private async release(partition: number, finalFlush: boolean): Promise<void> {
    const held = this.workers.get(partition);
    if (!held) return;
    this.workers.delete(partition);
    try {
      await held.worker.stop(finalFlush);
    } catch (e) {
      this.logger.warn({ err: e, partition }, 'stopping a partition worker failed');
    }
    await held.lease.release().catch(() => undefined);
    this.logger.info({ partition }, 'released partition');
  }
}
