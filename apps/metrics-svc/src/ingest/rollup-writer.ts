import { bucketStart, type Tier, TIER_MS, TIERS } from '@vigil/contracts';
import type { Database } from '@vigil/platform';
import type { EntityManager } from 'typeorm';
import type { Retention } from '../config';
import { MERGE_ROLLUP, TIER_TABLE } from '../storage/partitions';
import { CREATE_STAGE, encodeRollupCopy, STAGE_TABLE, TIER_CODE } from '../storage/rollup-copy';
import type { CoarseTier } from '../storage/tier-rollup';
import type { PartitionPositions } from './partition-positions';
import { Agg, type FlushPlan, type RollupRow } from './partition-state';
import { WriteLimiter } from './write-limiter';

/** Merges the staged rows of one tier into it. */
const MERGE_STAGED = (tier: Tier) => `
  INSERT INTO metrics.${TIER_TABLE[tier]} AS r (series_id, bucket, min, max, sum, count, last, last_at)
  SELECT series_id, bucket, min, max, sum, count, last, last_at FROM ${STAGE_TABLE} WHERE tier = $1
  ${MERGE_ROLLUP}`;

interface TierRow {
  seriesId: number;
  agg: Agg;
}

export interface WriteReport {
  rows: Record<Tier, number>;
}

/**
 * Makes a flush plan durable: the 10 s rows, the deltas of buckets the coarser tiers have
 * already rolled up (late samples), the partition's position and the replay marks as of it,
 * in one transaction fenced by the owner's generation.
 */
export class RollupWriter {
  private readonly limiter: WriteLimiter;

  constructor(
    private readonly db: Database,
    private readonly positions: PartitionPositions,
    private readonly retention: Retention,
    /**
     * How many partitions' writes may run at once. Every partition closes a bucket at the same
     * moment; all of them merging at once takes every core from the ingest (the live lag's
     * tail), while a few at a time spread the same work over the next seconds.
     */
    concurrency = Infinity,
  ) {
    this.limiter = new WriteLimiter(concurrency);
  }

  /** `alsoInTx`: more of the partition's state to make durable with the position (the replay marks). */
  write(
    partition: number,
    generation: number,
    plan: FlushPlan,
    now: number,
    alsoInTx?: (tx: EntityManager) => Promise<void>,
  ): Promise<WriteReport> {
    return this.limiter.run(() => this.writeNow(partition, generation, plan, now, alsoInTx));
  }

  private async writeNow(
    partition: number,
    generation: number,
    plan: FlushPlan,
    now: number,
    alsoInTx?: (tx: EntityManager) => Promise<void>,
  ): Promise<WriteReport> {
    const report: WriteReport = { rows: { '10s': 0, '1m': 0, '10m': 0, '1h': 0 } };
    await this.db.dataSource.transaction(async (tx) => {
      const closedBefore = await this.positions.lockForWrite(tx, partition, generation);
      // A closed bucket changed (a late sample, a coarse tier's delta), or the partition's
      // closed frontier moved back: readers holding closed buckets must drop them.
      let late = plan.closedThrough < closedBefore || plan.rows.some((r) => r.agg.bucket < closedBefore);
      if (plan.rows.length > 0 && (await this.merge(tx, plan.rows, now, report))) late = true;
      await this.positions.advance(tx, partition, plan, late);
      if (alsoInTx) await alsoInTx(tx);
    });
    return report;
  }

  /**
   * Merges the rows of one redriven DLQ message (`stream`/`streamSeq`: where the batch was first
   * stored) unless an earlier redrive merged them: the record of it is written in the same
   * transaction. The partition's row is locked first, as a flush does (no deadlock with one),
   * and its late-write count moves on (the batch is old: readers must drop closed buckets).
   * Answers whether the rows were merged now.
   */
  async writeRedriven(
    partition: number,
    origin: { stream: string; streamSeq: number; dlqSeq: number; actor: string },
    rows: RollupRow[],
    now: number,
  ): Promise<boolean> {
    return this.limiter.run(() =>
      this.db.dataSource.transaction(async (tx) => {
        await this.q(
          tx,
          'redrive_lock',
          'UPDATE metrics.ingest_partitions SET late_writes = late_writes + 1, updated_at = now() WHERE partition = $1',
          [partition],
        );
        const recorded = await this.q<{ stream: string }>(
          tx,
          'redrive_record',
          `INSERT INTO metrics.dlq_redriven (stream, stream_seq, dlq_seq, actor) VALUES ($1, $2, $3, $4)
             ON CONFLICT (stream, stream_seq) DO NOTHING RETURNING stream`,
          [origin.stream, origin.streamSeq, origin.dlqSeq, origin.actor],
        );
        if (recorded.length === 0) return false;
        if (rows.length > 0) {
          await this.merge(tx, rows, now, { rows: { '10s': 0, '1m': 0, '10m': 0, '1h': 0 } });
        }
        return true;
      }),
    );
  }

  /** Merges `rows` into the tiers (10 s, and the deltas of coarse buckets already rolled up); whether a coarse tier changed. */
  private async merge(tx: EntityManager, rows: RollupRow[], now: number, report: WriteReport): Promise<boolean> {
    let late = false;
    // Shared lock on the watermarks: a rollup of the coarser tiers (which takes them
    // exclusively) runs wholly before or wholly after this write, so a late delta is
    // either rolled up by it or merged below, never both nor neither.
    const marks = await this.q<{ tier: Tier; through: Date }>(
      tx,
      'watermarks_share',
      'SELECT tier, through FROM metrics.rollup_watermarks ORDER BY tier FOR SHARE',
    );
    const through = Object.fromEntries(marks.map((m) => [m.tier, m.through.getTime()])) as Record<CoarseTier, number>;
    const split = this.route(rows, through, now);
    const tiers = TIERS.filter((tier) => split[tier].length > 0).map((tier) => [tier, split[tier]] as const);
    await this.q(tx, 'rollup_stage', `SET LOCAL client_min_messages = warning; ${CREATE_STAGE}`);
    await this.db.copyFrom(
      'rollup_copy',
      `COPY ${STAGE_TABLE} FROM STDIN (FORMAT binary)`,
      encodeRollupCopy(tiers),
      tx,
    );
    for (const [tier, tierRows] of tiers) {
      await this.q(tx, `rollup_${tier}_merge`, MERGE_STAGED(tier), [TIER_CODE[tier]]);
      report.rows[tier] = tierRows.length;
      if (tier !== '10s') late = true;
    }
    return late;
  }

  /**
   * 10 s rows go to the 10 s tier while it keeps them; a coarser tier also gets the delta
   * when its rollup has already passed the bucket (or when the finer tier no longer keeps
   * data that old).
   */
  private route(rows: RollupRow[], through: Record<CoarseTier, number>, now: number): Record<Tier, TierRow[]> {
    const out: Record<Tier, TierRow[]> = { '10s': [], '1m': [], '10m': [], '1h': [] };
    const minutes = new Map<string, TierRow>();
    const tenMinutes = new Map<string, TierRow>();
    const hours = new Map<string, TierRow>();
    const fold = (into: Map<string, TierRow>, tier: Tier, seriesId: number, agg: Agg) => {
      const bucket = bucketStart(tier, agg.bucket);
      const key = `${seriesId}:${bucket}`;
      const existing = into.get(key);
      if (existing) existing.agg.merge(agg);
      else into.set(key, { seriesId, agg: agg.copy(bucket) });
    };
    const rolled = (tier: CoarseTier, bucket: number) => bucketStart(tier, bucket) + TIER_MS[tier] <= through[tier];
    for (const { slot, agg } of rows) {
      const in10s = agg.bucket >= now - this.retention['10s'];
      const in1m = agg.bucket >= now - this.retention['1m'];
      const in10m = agg.bucket >= now - this.retention['10m'];
      if (in10s) out['10s'].push({ seriesId: slot.id, agg });
      if (in1m && (!in10s || rolled('1m', agg.bucket))) fold(minutes, '1m', slot.id, agg);
      // The 10 min and 1 h tiers are both rolled up from the 1 min one.
      if (in10m && (!in1m || rolled('10m', agg.bucket))) fold(tenMinutes, '10m', slot.id, agg);
      if (!in1m || rolled('1h', agg.bucket)) fold(hours, '1h', slot.id, agg);
    }
    out['1m'] = [...minutes.values()];
    out['10m'] = [...tenMinutes.values()];
    out['1h'] = [...hours.values()];
    return out;
  }

  private q<T>(tx: EntityManager, operation: string, sql: string, params: unknown[] = []): Promise<T[]> {
    return this.db.query<T>(operation, sql, params, tx);
  }
}
