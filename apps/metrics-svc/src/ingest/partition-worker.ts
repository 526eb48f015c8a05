import type { JsMsg } from '@nats-io/jetstream';
import { REPLAY_MARKS_PRUNE_BATCH, SeriesLimitError, type ReplayGuard, TIERS, ValidationError } from '@vigil/contracts';
import type { Bus, Cache, Database, IdentityGate } from '@vigil/platform';
import type { Logger } from 'pino';
import type { MetricsSvcMetrics } from '../metrics-svc.metrics';
import { writeLatest } from '../storage/latest.writer';
import { decodeIngestBatch } from './batch-decoder';
import { PartitionLostError, type PartitionPositions } from './partition-positions';
import { type CardinalityLimits, PartitionState, type SeriesSlot } from './partition-state';
import type { ReplayMarks } from './replay-marks';
import type { RollupWriter } from './rollup-writer';
import { ensureSeriesIds } from './series-ids';

const LIVE_WHILE_BEHIND_MS = 5000;

/** How often a partition's flush also prunes its stored replay marks (sooner while batches come back full). */
const MARKS_PRUNE_EVERY_MS = 60_000;

export interface PartitionWorkerDeps {
  bus: Bus;
  db: Database;
  cache: Cache;
  positions: PartitionPositions;
  writer: RollupWriter;
  identity: IdentityGate;
  marks: ReplayMarks;
  metrics: MetricsSvcMetrics;
  logger: Logger;
  owner: string;
  flushMs: number;
  /** VIGIL_METRICS_LEASE_MS: a position written this recently by another owner is still that owner's. */
  leaseMs: number;
  graceMs: number;
  maxFutureMs: number;
  /** Samples older than this many ms (the longest retention) are not stored. */
  oldestMs: number;
  /** The live view's hashes expire this long after their last write (none if absent; see writeLatest). */
  liveTtlMs?: number;
  /** Cardinality limits and the memory ceiling (shared by the replica's partitions); none if absent. */
  limits?: CardinalityLimits;
  clock?: () => number;
  /** Called when another replica has taken the partition (this worker has stopped itself). */
  onLost: (partition: number) => void;
  /** Called when this worker went back to its stored position and must read from there again. */
  onRewind: (partition: number) => void;
  /** Whether the reader has read everything in the stream (see PartitionState.plan). */
  caughtUp: () => boolean;
}

/**
 * Ingests one TELEMETRY partition: the replica's reader hands it the partition's messages
 * in stream order from the position stored in Postgres; it folds them into a
 * PartitionState and flushes on a timer. On a failed flush it drops its memory, reloads the
 * stored position (always consistent with what Postgres holds) and asks to be read again
 * from there.
 */
export class PartitionWorker {
  private state?: PartitionState;
  /** The replay check of this partition's nodes, as of the state's position (see ReplayMarks). */
  private replays?: ReplayGuard;
  private generation = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private living?: Promise<void>;
  private loading?: Promise<void>;
  private stopped = true;
  private liveWrittenAt = 0;
  /** The last message this process has shown in the live view (kept across rewinds). */
  private shownThrough = 0;
  /** When the flush last pruned the replay marks; 0 prunes at the first flush. */
  private marksPrunedAt = 0;
  private marksPruneFull = false;
  private readonly clock: () => number;

  constructor(
    private readonly deps: PartitionWorkerDeps,
    readonly partition: number,
  ) {
    this.clock = deps.clock ?? Date.now;
  }

  seriesCount(): number {
    return this.state?.seriesCount() ?? 0;
  }

  nodeCount(): number {
    return this.state?.nodeCount() ?? 0;
  }

  /** The first stream sequence this worker still needs (Infinity while it has no state). */
  startSeq(): number {
    return this.state ? this.state.lastReadSeq() + 1 : Infinity;
  }

  /**
   * Takes the partition over (a new generation fences any previous owner) and loads its
   * position; false, doing nothing, while another owner still writes it (PartitionPositions.acquire).
   */
  async start(): Promise<boolean> {
    const generation = await this.deps.positions.acquire(this.partition, this.deps.owner, this.deps.leaseMs);
    if (generation === undefined) return false;
    this.generation = generation;
    this.state = await this.load();
    this.stopped = false;
    this.timer = setInterval(() => this.tick(), this.deps.flushMs);
    return true;
  }

  /** Writes the live view and what is due (each skipped while its last write runs). */
  tick(): void {
    void this.refreshLive();
    void this.flush();
  }

  /**
   * Writes what is due and stops; open buckets are left for the next owner to replay. With the
   * final flush the partition is given up in Postgres too, so the next owner takes it at once.
   */
  async stop(finalFlush = true): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.loading;
    await this.flushing;
    await this.living;
    if (finalFlush) await Promise.all([this.flush(true), this.refreshLive(true)]);
    this.deps.identity.releaseReplayGuard(this.replays);
    if (finalFlush) await this.deps.positions.disown(this.partition, this.generation);
  }

  /** Folds one message of this partition; messages before the worker's position are passed over. */
  async offer(msg: JsMsg): Promise<void> {
    const state = this.state;
    if (!state || this.stopped || msg.seq <= state.lastReadSeq()) return;
    await this.handle(state, msg);
  }

  /**
   * The position to read from, and the replay marks stored with it: the messages after it are
   * read again and decided as the first reading did them; a copy of one before it is refused.
   */
  private async load(): Promise<PartitionState> {
    const { identity, marks, positions, metrics } = this.deps;
    const replays = identity.newReplayGuard({ journal: true });
    try {
      await marks.seed(this.partition, replays);
      const stored = await positions.load(this.partition);
      stored.shownThrough = Math.max(stored.shownThrough ?? 0, this.shownThrough);
      const state = new PartitionState(stored, {
        limits: this.deps.limits,
        clock: this.clock,
        onLimited: (nodeId, limit, samples) => metrics.seriesLimited(nodeId, limit, samples),
        onEvicted: (what, n) => metrics.evictions.inc({ what }, n),
      });
      identity.releaseReplayGuard(this.replays);
      this.replays = replays;
      return state;
    } catch (e) {
      identity.releaseReplayGuard(replays);
      throw e;
    }
  }

  /** Back to the stored position after a failed flush, retrying the load until it works. */
  private rewind(): void {
    this.state = undefined;
    if (this.loading) return;
    this.loading = (async () => {
      for (let backoff = 250; !this.stopped; backoff = Math.min(backoff * 2, 10_000)) {
        try {
          this.state = await this.load();
          this.deps.onRewind(this.partition);
          return;
        } catch (e) {
          this.deps.logger.error({ err: e, partition: this.partition }, 'cannot reload the ingest position; retrying');
          await new Promise((r) => setTimeout(r, backoff));
        }
      }
    })().finally(() => (this.loading = undefined));
  }

  private async handle(state: PartitionState, msg: JsMsg): Promise<void> {
    const { metrics, bus } = this.deps;
    let batch;
    try {
      batch = decodeIngestBatch(msg.data, state.knownSeries);
      const now = this.clock();
      if (batch.timestamp > now + this.deps.maxFutureMs) {
        throw new ValidationError(`batch timestamp ${new Date(batch.timestamp).toISOString()} is in the future`);
      }
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      metrics.batches.inc({ result: 'invalid' });
      if (e instanceof SeriesLimitError) metrics.limitRejections.inc({ limit: e.limit });
      await bus.dlq.parkMessage(msg, 'invalid_payload', e.message, bus.topology.streams.telemetry, {
        consumer: `metrics-ingest-p${this.partition}`,
      });
      state.skip(msg.seq);
      return;
    }
    const subjectNode = bus.topology.parse.samples(msg.subject)?.nodeId ?? '';
    const violation = this.deps.identity.check(msg, subjectNode, batch.nodeId, { replays: this.replays });
    if (violation) {
      metrics.batches.inc({ result: 'identity_mismatch' });
      await this.deps.identity.report(msg, batch.nodeId, violation);
      await bus.dlq.parkMessage(
        msg,
        'identity_mismatch',
        `${violation.reason}: ${violation.detail}`,
        bus.topology.streams.telemetry,
        { consumer: `metrics-ingest-p${this.partition}` },
      );
      state.skip(msg.seq);
      return;
    }
    if (batch.timestamp < this.clock() - this.deps.oldestMs) {
      metrics.discarded.inc({ reason: 'too_old' }, batch.values.length);
      state.skip(msg.seq);
      return;
    }
    const result = state.fold(msg.seq, batch);
    metrics.batches.inc({ result });
    if (result === 'folded') metrics.samples.inc(batch.values.length - state.lastDropped);
  }

  /** One flush at a time; a tick that finds one running skips. */
  private flush(final = false): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.stopped && !final) return Promise.resolve();
    this.flushing = this.doFlush().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /**
   * Writes the live view, on its own so that a slow rollup write never holds back what
   * queries see. Behind a backlog the view is not live anyway: it is refreshed every few
   * seconds then, and the time goes to catching up.
   */
  private refreshLive(final = false): Promise<void> {
    if (this.living) return this.living;
    const state = this.state;
    const now = this.clock();
    if (!state || (this.stopped && !final)) return Promise.resolve();
    if (!final && !this.deps.caughtUp() && now - this.liveWrittenAt < LIVE_WHILE_BEHIND_MS) return Promise.resolve();
    this.liveWrittenAt = now;
    const { db, cache, metrics, logger } = this.deps;
    const update = state.takeLive();
    this.living = (async () => {
      try {
        const unresolved: SeriesSlot[] = [];
        for (const group of update.groups) for (const slot of group.slots) if (slot.id === 0) unresolved.push(slot);
        await ensureSeriesIds(db, unresolved);
        // A SeriesSlot is a LatestSource as it is: its id and newest aggregate are written.
        await writeLatest(cache, update.groups, { gone: update.gone, ttlMs: this.deps.liveTtlMs });
        const visibleAt = this.clock();
        for (const ts of update.batchTimestamps) metrics.lag.observe(Math.max(0, visibleAt - ts) / 1000);
        if (update.reread) metrics.reread.inc(update.reread);
        this.shownThrough = Math.max(this.shownThrough, update.throughSeq);
      } catch (e) {
        // Only the live view is behind; the series' next samples write it again.
        logger.warn({ err: e, partition: this.partition }, 'live view write failed');
      }
    })().finally(() => (this.living = undefined));
    return this.living;
  }

  private async doFlush(): Promise<void> {
    const state = this.state;
    if (!state) return;
    const { db, writer, metrics, logger } = this.deps;
    const now = this.clock();
    const end = metrics.flushDuration.startTimer();
    const plan = state.plan(now, this.deps.graceMs, this.deps.caughtUp());
    // Taken with the plan: the marks as of the position it stores.
    const replays = this.replays;
    const marks = replays?.marksThrough(plan.resumeSeq);
    try {
      await ensureSeriesIds(
        db,
        plan.rows.map((r) => r.slot),
      );
      const prune = this.marksPruneFull || now - this.marksPrunedAt >= MARKS_PRUNE_EVERY_MS;
      let pruned = 0;
      const report = await writer.write(this.partition, this.generation, plan, now, async (tx) => {
        if (marks) await this.deps.marks.write(tx, this.partition, marks);
        if (prune) pruned = await this.deps.marks.prune(tx, this.partition);
      });
      if (prune) {
        this.marksPrunedAt = now;
        this.marksPruneFull = pruned >= REPLAY_MARKS_PRUNE_BATCH;
        metrics.replayMarksPruned.inc(pruned);
      }
      for (const tier of TIERS) if (report.rows[tier]) metrics.rows.inc({ tier }, report.rows[tier]);
      if (state === this.state) state.committed(plan);
    } catch (e) {
      if (e instanceof PartitionLostError) {
        logger.warn({ partition: this.partition, err: e.message }, 'partition taken over by another replica');
        if (!this.stopped) {
          this.stopped = true;
          clearInterval(this.timer);
          this.state = undefined;
          this.deps.identity.releaseReplayGuard(this.replays);
          this.deps.onLost(this.partition);
        }
        return;
      }
      // The plan's rows left memory: start over from the stored position.
      logger.error({ err: e, partition: this.partition }, 'flush failed; re-reading from the stored position');
      if (state === this.state && !this.stopped) this.rewind();
    } finally {
      end();
    }
  }
}
