import { type Tier, TIER_MS } from '@vigil/contracts';
import type { Database } from '@vigil/platform';
import { MERGE_ROLLUP, TIER_TABLE } from './partitions';

/** The tiers computed from a finer one, in the order a rollup run visits them. */
export const COARSE_TIERS = ['1m', '10m', '1h'] as const;
export type CoarseTier = (typeof COARSE_TIERS)[number];

/**
 * Each coarse tier's source and how much of it one transaction covers: ~360 source rows a
 * series (10 s → 1 min: an hour; 1 min → 10 min: 6 hours; 1 min → 1 h: a day).
 */
const SOURCE: Record<CoarseTier, Tier> = { '1m': '10s', '10m': '1m', '1h': '1m' };
const STEP_LIMIT: Record<CoarseTier, number> = { '1m': 3600_000, '10m': 6 * 3600_000, '1h': 24 * 3600_000 };

/**
 * Computes the 1 min tier from the 10 s one, and the 10 min and 1 h tiers from the 1 min one,
 * for whole buckets the finer tier has completed: 1 min up to where every ingest partition
 * has written its 10 s buckets, 10 min and 1 h up to the 1 min watermark. Each tier has its
 * own watermark; each step is one transaction that also moves it, under an exclusive lock on
 * it, so a step is applied once and the ingest's late deltas (which take every watermark
 * shared) land either before it, and are rolled up by it, or after, and are merged by the
 * ingest itself.
 */
export class TierRollup {
  constructor(
    private readonly db: Database,
    private readonly partitions: number,
  ) {}

  /** Rolls up as far as possible (at most `maxSteps` transactions a tier); answers the rows written per tier. */
  async run(maxSteps = 24): Promise<Record<CoarseTier, number>> {
    const rows = {} as Record<CoarseTier, number>;
    for (const tier of COARSE_TIERS) rows[tier] = await this.runTier(tier, maxSteps);
    return rows;
  }

  async runTier(tier: CoarseTier, maxSteps = 24): Promise<number> {
    let written = 0;
    for (let i = 0; i < maxSteps; i++) {
      const step = await this.step(tier);
      if (step === undefined) break;
      written += step;
    }
    return written;
  }

  /** One transaction; undefined when there was nothing to roll up. */
  async step(tier: CoarseTier): Promise<number | undefined> {
    const size = TIER_MS[tier];
    return this.db.dataSource.transaction(async (tx) => {
      const [mark] = await this.db.query<{ through: Date }>(
        `watermark_lock`,
        'SELECT through FROM metrics.rollup_watermarks WHERE tier = $1 FOR UPDATE',
        [tier],
        tx,
      );
      let from = mark.through.getTime();
      const complete = await this.completeThrough(tier, tx);
      if (complete === undefined) return undefined;
      const target = Math.floor(complete / size) * size;
      if (from === 0) {
        // First run: start at the oldest data of the finer tier.
        const [oldest] = await this.db.query<{ b: Date | null }>(
          'rollup_oldest',
          `SELECT min(bucket) AS b FROM metrics.${TIER_TABLE[SOURCE[tier]]}`,
          [],
          tx,
        );
        from = oldest.b ? Math.floor(oldest.b.getTime() / size) * size : target;
      }
      const to = Math.min(target, from + STEP_LIMIT[tier]);
      if (to <= from) {
        if (mark.through.getTime() !== from) await this.setMark(tx, tier, from);
        return undefined;
      }
      const rows = await this.db.query<{ n: string }>(
        `rollup_${tier}`,
        `WITH ins AS (
           INSERT INTO metrics.${TIER_TABLE[tier]} AS r (series_id, bucket, min, max, sum, count, last, last_at)
           SELECT series_id, date_bin($3::interval, bucket, 'epoch'), min(min), max(max), sum(sum), sum(count),
                  (array_agg(last ORDER BY last_at DESC))[1], max(last_at)
             FROM metrics.${TIER_TABLE[SOURCE[tier]]}
            WHERE bucket >= to_timestamp($1 / 1000.0) AND bucket < to_timestamp($2 / 1000.0)
            GROUP BY 1, 2
           ${MERGE_ROLLUP}
           RETURNING 1
         ) SELECT count(*) AS n FROM ins`,
        [from, to, `${size} milliseconds`],
        tx,
      );
      await this.setMark(tx, tier, to);
      return Number(rows[0].n);
    });
  }

  /** Up to when the finer tier is complete (Unix ms), or undefined if some partition never reported. */
  private async completeThrough(tier: CoarseTier, tx: Parameters<Database['query']>[3]): Promise<number | undefined> {
    if (SOURCE[tier] === '1m') {
      const [m] = await this.db.query<{ through: Date }>(
        'watermark_get',
        "SELECT through FROM metrics.rollup_watermarks WHERE tier = '1m'",
        [],
        tx,
      );
      return m.through.getTime() || undefined;
    }
    const [row] = await this.db.query<{ n: string; through: Date | null }>(
      'ingest_closed_through',
      'SELECT count(*) AS n, min(closed_through) AS through FROM metrics.ingest_partitions WHERE partition < $1',
      [this.partitions],
      tx,
    );
    if (Number(row.n) < this.partitions || !row.through || row.through.getTime() === 0) return undefined;
    return row.through.getTime();
  }

  private async setMark(tx: Parameters<Database['query']>[3], tier: CoarseTier, through: number): Promise<void> {
    await this.db.query(
      'watermark_set',
      'UPDATE metrics.rollup_watermarks SET through = to_timestamp($2 / 1000.0) WHERE tier = $1',
      [tier, through],
      tx,
    );
  }
}
