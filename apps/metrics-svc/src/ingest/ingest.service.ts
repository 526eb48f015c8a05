import { randomUUID } from 'node:crypto';
import { type Consumer, type ConsumerMessages, DeliverPolicy } from '@nats-io/jetstream';
import { closeOnReconnect } from '@vigil/messaging';
import { RedisLease } from '@vigil/platform';
import type { Bus, Cache, Database } from '@vigil/platform';
import type { Logger } from 'pino';
import type { Retention } from '../config';
import type { MetricsSvcMetrics } from '../metrics-svc.metrics';
import type { IdentityGate } from '@vigil/platform';
import { PartitionPositions } from './partition-positions';
import { PartitionWorker, type PartitionWorkerDeps } from './partition-worker';
import { ReplayMarks } from './replay-marks';
import { RollupWriter } from './rollup-writer';
import { SampleRedrive } from './sample-redrive';

/** Being behind for this long makes a backlog rather than a burst. */
const BACKLOG_MS = 1000;
/**
 * Rewinds asked within this long of each other share one new consumer: when Postgres comes
 * back, every worker reloads at about the same moment, and each would otherwise restart the
 * reader (a new consumer re-reading the stream from the lowest position) on its own.
 */
const REWIND_SETTLE_MS = 250;
/**
 * The reader's ordered consumer is dropped by the server once it has had no pull pending for
 * this long. A replaced consumer cannot be deleted by the service (its NATS user may not
 * delete consumers: it could delete another service's), so this bounds how long an old one
 * lingers. A live reader always has a pull pending; a paused replica's consumer goes, and the
 * ordered consumer makes a new one from where it was when it resumes.
 */
const READER_INACTIVE_MS = 15_000;

export interface IngestOptions {
  flushMs: number;
  graceMs: number;
  maxFutureMs: number;
  leaseMs: number;
  retention: Retention;
  /** Partitions writing to Postgres at once. */
  writeConcurrency: number;
  /** Cardinality limits (see PartitionState); absent, none. */
  limits?: IngestLimits;
  /** VIGIL_SIGNATURE_SKEW_MS: how far back the stored replay marks can still refuse (ReplayMarks). */
  skewMs: number;
}

/**
 * How long the live view keeps what nobody writes: twice the idle time after which the ingest
 * forgets a series (and deletes its field), for the fields a stopped process never deleted.
 */
export function liveViewMaxAge(idleMs: number): number {
  return 2 * idleMs;
}

export interface IngestLimits {
  /** Distinct series per node. */
  perNode: number;
  /** Distinct series per metric across the fleet: each partition holds its share. */
  perMetric: number;
  /** Series and nodes this replica holds in memory. */
  maxHeld: number;
  idleMs: number;
}

/**
 * Reads sample batches and shares the TELEMETRY partitions among the live replicas.
 *
 * One ordered consumer per replica reads every sample subject and hands each message to
 * the worker of its partition, if this replica owns it. On NATS 2.9 a consumer filtered
 * on one partition's wildcard (`telemetry.samples.3.*`) makes the server scan the stream
 * for it: sixteen of them read about 1,300 messages/s where one unfiltered reader reads
 * about 100,000 (measured here), so skipping other replicas' messages in the client is by
 * far the cheaper way. The reader starts at the lowest position its workers need.
 *
 * Each replica holds a Redis lease per
 * partition it ingests and takes at most its fair share (partitions / live replicas), so a
 * second replica takes half over and a dead one's partitions are taken over within a lease
 * time. The lease only spreads the work; correctness rests on the generation fence in
 * Postgres, so two owners at once (a paused holder whose lease expired) cost a restart,
 * never a double count. Postgres also decides when a partition may be taken over: only from
 * an owner that gave it up or has not written it for a lease time (PartitionPositions.acquire),
 * so a Redis restart, which frees every lease, moves nothing.
 */
export class IngestService {
  readonly id = randomUUID();
  private readonly workers = new Map<number, { worker: PartitionWorker; lease: RedisLease }>();
  private timer?: NodeJS.Timeout;
  private renewing?: Promise<void>;
  private assigning?: Promise<void>;
  private stopped = true;
  private reader?: Promise<void>;
  private messages?: ConsumerMessages;
  private readerConsumer?: Consumer;
  /** Sequence the reader will deliver next; a worker needing an earlier one restarts it. */
  private readerNext = Infinity;
  /** The reader's current consumer (one more each restart), and the one each worker is fed by. */
  private readerGeneration = 0;
  private readonly fedBy = new WeakMap<PartitionWorker, number>();
  private restart = false;
  /** When a rewind last asked the reader to restart (REWIND_SETTLE_MS). */
  private rewindAskedAt = 0;
  private lastPending = -1;
  private lastMessageAt = 0;
  /** When the reader last fell behind (pending > 0), or undefined while it is caught up. */
  private behindSince?: number;
  private wake?: () => void;
  private readonly positions: PartitionPositions;
  private readonly workerDeps: PartitionWorkerDeps;

  constructor(
    private readonly bus: Bus,
    db: Database,
    private readonly cache: Cache,
    metrics: MetricsSvcMetrics,
    identity: IdentityGate,
    private readonly logger: Logger,
    private readonly opts: IngestOptions,
  ) {
    this.positions = new PartitionPositions(db);
    bus.readers.add({
      name: 'metrics-ingest',
      stream: bus.topology.streams.telemetry,
      kind: 'reader',
      // The sample batches after what this replica has read, of every partition (its partitions' share is not told apart).
      pending: async () => {
        if (!this.readerConsumer || this.workers.size === 0) throw new Error('this replica holds no partition');
        return (await this.readerConsumer.info(false)).num_pending;
      },
    });
    this.workerDeps = {
      bus,
      db,
      cache,
      positions: this.positions,
      identity,
      marks: new ReplayMarks(db, opts.skewMs),
      writer: new RollupWriter(db, this.positions, opts.retention, opts.writeConcurrency),
      metrics,
      logger,
      owner: this.id,
      flushMs: opts.flushMs,
      leaseMs: opts.leaseMs,
      graceMs: opts.graceMs,
      maxFutureMs: opts.maxFutureMs,
      oldestMs: opts.retention['1h'],
      liveTtlMs: opts.limits && liveViewMaxAge(opts.limits.idleMs),
      onLost: (p) => void this.release(p, false),
      onRewind: (p) => {
        // Reloaded from its stored position: it must be fed from there again.
        const held = this.workers.get(p);
        if (held) this.fedBy.delete(held.worker);
        this.rewindReader();
      },
      caughtUp: () => this.lastPending === 0 || Date.now() - this.lastMessageAt > 1000,
      limits: opts.limits && {
        perNode: opts.limits.perNode,
        perMetric: Math.ceil(opts.limits.perMetric / bus.topology.partitions),
        idleMs: opts.limits.idleMs,
        maxHeld: opts.limits.maxHeld,
        held: () => this.activeSeries() + this.heldNodes(),
      },
    };
  }

  /** Redrives parked sample batches (`cmd.metrics.dlq-redrive`) with the ingest's checks and writer. */
  redriveHandler(): SampleRedrive {
    const d = this.workerDeps;
    return new SampleRedrive({
      topology: d.bus.topology,
      db: d.db,
      writer: d.writer,
      identity: d.identity,
      metrics: d.metrics,
      maxFutureMs: d.maxFutureMs,
      oldestMs: d.oldestMs,
    });
  }

  ownedPartitions(): number[] {
    return [...this.workers.keys()].sort((a, b) => a - b);
  }

  activeSeries(): number {
    let n = 0;
    for (const { worker } of this.workers.values()) n += worker.seriesCount();
    return n;
  }

  heldNodes(): number {
    let n = 0;
    for (const { worker } of this.workers.values()) n += worker.nodeCount();
    return n;
  }

  async start(): Promise<void> {
    await this.positions.ensure(this.bus.topology.partitions);
    this.stopped = false;
    await this.renew();
    await this.assign();
    this.reader = this.read();
    this.timer = setInterval(
      () => {
        if (!this.renewing) this.renewing = this.renew().finally(() => (this.renewing = undefined));
        if (!this.assigning) this.assigning = this.assign().finally(() => (this.assigning = undefined));
      },
      Math.max(100, Math.floor(this.opts.leaseMs / 3)),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([this.renewing, this.assigning]);
    this.wake?.();
    void this.messages?.close().catch(() => undefined);
    await this.reader;
    await Promise.all(this.ownedPartitions().map((p) => this.release(p, true)));
    await this.cache.redis.zrem(this.membersKey(), this.id).catch(() => undefined);
  }

  /**
   * A worker was taken or reloaded: it joins the reader if nothing it needs has been read
   * yet; otherwise the reader starts again from the lowest position needed.
   *
   * Only a joined worker is handed messages (`fedBy`), so a worker never sees a message
   * past a gap: not between its load and the restart, nor the messages the old consumer
   * still had buffered when it was closed.
   */
  private rewindReader(): void {
    let need = Infinity;
    for (const { worker } of this.workers.values()) {
      const start = worker.startSeq();
      // Still loading: its load ends with another rewind.
      if (start === Infinity || this.fedBy.get(worker) === this.readerGeneration) continue;
      if (start >= this.readerNext) this.fedBy.set(worker, this.readerGeneration);
      else need = Math.min(need, start);
    }
    if (need < Infinity) {
      this.restart = true;
      this.rewindAskedAt = Date.now();
      void this.messages?.close().catch(() => undefined);
    }
    this.wake?.();
  }

  private async read(): Promise<void> {
    const { js, topology } = this.bus;
    let backoff = 250;
    // A reconnect closes the reader (see closeOnReconnect): it reads again from the stored
    // positions, and each worker skips what it has read already (`offer`).
    const unwatch = closeOnReconnect(this.bus.nc, () => {
      // Failures while the server had no JetStream say nothing about the one just reached.
      backoff = 250;
      return this.messages;
    });
    while (!this.stopped) {
      let from = Infinity;
      for (const { worker } of this.workers.values()) from = Math.min(from, worker.startSeq());
      if (from === Infinity) {
        // Nothing owned (or every worker reloading): wait for a partition.
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, 1000);
        });
        continue;
      }
      const settle = this.rewindAskedAt + REWIND_SETTLE_MS - Date.now();
      if (settle > 0) {
        // More rewinds may be on their way: one new consumer for all of them.
        await new Promise((r) => setTimeout(r, settle));
        continue;
      }
      try {
        this.restart = false;
        this.readerNext = from;
        const generation = ++this.readerGeneration;
        const consumer = await js.consumers.get(topology.streams.telemetry, {
          filter_subjects: topology.subjects.allSamples(),
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: from,
          inactive_threshold: READER_INACTIVE_MS,
        });
        this.readerConsumer = consumer;
        this.messages = await consumer.consume({ max_messages: 2000 });
        if (this.stopped || this.restart) {
          void this.messages.close().catch(() => undefined);
          continue;
        }
        // Every worker loaded by now starts at or after `from` (else it restarts the reader again).
        this.rewindReader();
        for await (const msg of this.messages) {
          const now = Date.now();
          this.readerNext = msg.seq + 1;
          this.lastPending = msg.info.pending;
          this.lastMessageAt = now;
          if (this.lastPending > 0) this.behindSince ??= now;
          const partition = topology.parse.samples(msg.subject)?.partition;
          const held = partition === undefined ? undefined : this.workers.get(partition);
          if (this.restart) break;
          if (held && this.fedBy.get(held.worker) === generation) await held.worker.offer(msg);
          if (this.lastPending === 0 && this.behindSince !== undefined) {
            // The end of a backlog (not of a burst of live batches): its last buckets are due
            // now, rather than at the next flush tick.
            if (now - this.behindSince >= BACKLOG_MS) for (const { worker } of this.workers.values()) worker.tick();
            this.behindSince = undefined;
          }
          backoff = 250;
        }
      } catch (e) {
        if (this.stopped) break;
        this.logger.error({ err: e }, 'sample reader failed; reading again from the stored positions');
        void this.messages?.close().catch(() => undefined);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 2_000);
      }
    }
    unwatch();
  }

  private membersKey(): string {
    return this.cache.key('metrics', 'ingest', 'members');
  }

  /**
   * Says this replica is alive and renews every lease it holds, all at once, on its own
   * schedule: never behind a hand-over (`assign`), whose final flushes and loads can outlast a
   * lease on a busy machine, which let the other replica take partitions this one still
   * ingested. A lease Redis lost (a restart) is taken again by its holder (RedisLease.tryHold).
   *
   * A lease that could not be renewed does not stop the worker: Postgres decides who owns a
   * partition (the generation, PartitionPositions.acquire). Another replica that took it over
   * there has fenced this one, whose next flush then fails and releases it (`onLost`); one
   * that found the lease free in Redis only (lost with a restart, its holder not yet back)
   * was refused there and lets it go, and this replica takes the lease again next time.
   */
  private async renew(): Promise<void> {
    try {
      await this.cache.redis.zadd(this.membersKey(), Date.now(), this.id);
      await Promise.all([...this.workers.values()].map(({ lease }) => lease.tryHold()));
    } catch (e) {
      this.logger.error({ err: e }, 'partition lease renewal failed');
    }
  }

  /** Gives back partitions beyond this replica's fair share and takes free ones up to it. */
  private async assign(): Promise<void> {
    try {
      const now = Date.now();
      const members = this.membersKey();
      const replies = await this.cache.redis
        .multi()
        .zadd(members, now, this.id)
        .zremrangebyscore(members, '-inf', now - this.opts.leaseMs)
        .zcard(members)
        .exec();
      const live = Math.max(1, Number(replies?.[2]?.[1] ?? 1));
      const total = this.bus.topology.partitions;
      const share = Math.ceil(total / live);
      // Give back partitions beyond our share, so a newcomer finds some free.
      await Promise.all(
        this.ownedPartitions()
          .slice(share)
          .map((p) => this.release(p, true)),
      );
      // Take free ones up to our share, starting at a per-replica offset to spread them.
      const offset = parseInt(this.id.slice(0, 8), 16) % total;
      let took = 0;
      try {
        await this.take(total, share, offset, () => took++);
      } finally {
        // One reader restart for every partition taken in this round, not one each.
        if (took > 0) this.rewindReader();
      }
    } catch (e) {
      this.logger.error({ err: e }, 'partition assignment failed');
    }
  }

  /** Takes free partitions up to `share`, starting at `offset`; `took` is called for each. */
  private async take(total: number, share: number, offset: number, took: () => void): Promise<void> {
    for (let i = 0; i < total && this.workers.size < share; i++) {
      const p = (offset + i) % total;
      if (this.workers.has(p)) continue;
      const lease = new RedisLease(
        this.cache.redis,
        this.cache.key('metrics', 'ingest', 'partition', String(p)),
        this.opts.leaseMs,
      );
      if (!(await lease.tryHold())) continue;
      const worker = new PartitionWorker(this.workerDeps, p);
      this.workers.set(p, { worker, lease });
      try {
        if (await worker.start()) {
          this.logger.info({ partition: p }, 'ingesting partition');
          took();
          continue;
        }
        // Free in Redis only (lost with a restart): its owner still writes it, and takes its lease again.
        this.workers.delete(p);
        await lease.release();
      } catch (e) {
        this.workers.delete(p);
        await lease.release().catch(() => undefined);
        throw e;
      }
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
