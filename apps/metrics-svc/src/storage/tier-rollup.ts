import { type Tier, TIER_MS } from '@vigil/contracts';
import type { Database } from '@vigil/platform';
import { MERGE_ROLLUP, TIER_TABLE } from './partitions';

const STEP_LIMIT: Record<'1m' | '1h', number> = { '1m': 60 * 60_000, '1h': 24 * 3600_000 };
const SOURCE: Record<'1m' | '1h', Tier> = { '1m': '10s', '1h': '1m' };

/**
 * Computes the 1 min tier from the 10 s one and the 1 h tier from the 1 min one, for whole
 * buckets the finer tier has completed: 1 min up to where every ingest partition has
 * written its 10 s buckets, 1 h up to the 1 min watermark. Each step is one transaction
 * that also moves the watermark, under an exclusive lock on it, so a step is applied once
 * and the ingest's late deltas (which take the lock shared) land either before it, and are
 * rolled up by it, or after, and are merged by the ingest itself.
 */
export class TierRollup {
  constructor(
    private readonly db: Database,
    private readonly partitions: number,
  ) {}

  /** Rolls up as far as possible (at most `maxSteps` transactions a tier); answers the rows written per tier. */
  async run(maxSteps = 24): Promise<Record<'1m' | '1h', number>> {
    return { '1m': await this.runTier('1m', maxSteps), '1h': await this.runTier('1h', maxSteps) };
  }

  async runTier(tier: '1m' | '1h', maxSteps = 24): Promise<number> {
    let written = 0;
    for (let i = 0; i < maxSteps; i++) {
      const step = await this.step(tier);
      if (step === undefined) break;
      written += step;
    }
    return written;
  }

  /** One transaction; undefined when there was nothing to roll up. */
  async step(tier: '1m' | '1h'): Promise<number | undefined> {
    const size = TIER_MS[tier as Tier];
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
        [from, to, tier === '1m' ? '1 minute' : '1 hour'],
        tx,
      );
      await this.setMark(tx, tier, to);
      return Number(rows[0].n);
    });
  }

  /** Up to when the finer tier is complete (Unix ms), or undefined if some partition never reported. */
  private async completeThrough(tier: '1m' | '1h', tx: Parameters<Database['query']>[3]): Promise<number | undefined> {
    if (tier === '1h') {
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

  private async setMark(tx: Parameters<Database['query']>[3], tier: '1m' | '1h', through: number): Promise<void> {
    await this.db.query(
      'watermark_set',
      'UPDATE metrics.rollup_watermarks SET through = to_timestamp($2 / 1000.0) WHERE tier = $1',
      [tier, through],
      tx,
    );
  }
}
