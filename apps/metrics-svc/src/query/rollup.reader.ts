import type { BucketStat } from '@vigil/contracts';
import type { Database } from '@vigil/platform';
import type { EntityManager } from 'typeorm';
import { TIER_TABLE } from '../storage/partitions';
import type { RangeStat } from './range-cache';
import { type Partial, STATS } from './stats';
import type { Completeness, Segment } from './tier-plan';

/**
 * The rows of every segment as one relation `r` (`UNION ALL` of the tier tables, each with
 * its own bucket range so Postgres prunes partitions), for the series in `$1`.
 *
 * The ids reach each scan through a scalar subquery, so the planner does not see them: with
 * the array in plain sight it estimates every element against each partition's statistics,
 * ~5 ms of planning for 2,500 ids over five segments, a fifth of a fleet top-k chunk. The
 * plan does not need them: every read is a primary key lookup per series (see
 * withReadSettings).
 */
export function segmentsSql(segments: readonly Segment[], columns: readonly string[], params: unknown[]): string {
  const p = (v: unknown) => `$${params.push(v)}`;
  const cols = ['series_id', 'bucket', ...columns].join(', ');
  return segments
    .map(
      (s) =>
        `SELECT ${cols} FROM metrics.${TIER_TABLE[s.tier]}
          WHERE series_id = ANY((SELECT $1::int[])::int[]) AND bucket >= ${p(new Date(s.from).toISOString())}::timestamptz
            AND bucket < ${p(new Date(s.to).toISOString())}::timestamptz`,
    )
    .join('\n UNION ALL\n');
}

/**
 * Runs a read of rollups by series id in a transaction with planner settings of its own:
 * - JIT off: a query over many rows crosses Postgres' JIT cost thresholds, and compiling
 *   takes 20 ms to 500 ms, more than the query itself;
 * - no sequential scans: every read names its series (`series_id = ANY`), so the primary
 *   key serves it; where the planner guesses otherwise (a partition young or small, one
 *   metric dominating it) a scan of a whole partition costs far more than the index;
 * - `parallel: false` for statements the caller already runs side by side.
 */
export async function withReadSettings<T>(
  db: Database,
  work: (tx: EntityManager) => Promise<T>,
  opts: { parallel?: boolean } = {},
): Promise<T> {
  return db.source.transaction(async (tx) => {
    await tx.query(
      `SELECT set_config('jit', 'off', true), set_config('enable_seqscan', 'off', true)${
        opts.parallel === false ? `, set_config('max_parallel_workers_per_gather', '0', true)` : ''
      }`,
    );
    return work(tx);
  });
}

/** What a reader of closed buckets needs to know about the store before reading. */
export interface RollupState {
  complete: Completeness;
  /** Every 10 s bucket ending at or before this (Unix ms) is closed by every ingest partition; 0 while one never wrote. */
  closed10s: number;
  /** The sum of the partitions' late_writes: changes whenever a closed bucket does. */
  revision: string;
}

/**
 * The watermarks, the 10 s frontier and the late-write revision in one statement. Read
 * before the buckets: a late write committed in between makes the revision differ next time
 * (the bucket read may then be newer than the revision says, never older).
 */
export async function readRollupState(db: Database, partitions: number): Promise<RollupState> {
  const rows = await db.query<{ tier: string; through: number; late: string | null }>(
    'rollup_state',
    `SELECT tier, (extract(epoch FROM through) * 1000)::float8 AS through, NULL::text AS late FROM metrics.rollup_watermarks
     UNION ALL
     SELECT '10s', CASE WHEN count(*) >= $1 THEN (extract(epoch FROM min(closed_through)) * 1000)::float8 ELSE 0 END,
            coalesce(sum(late_writes), 0)::text
       FROM metrics.ingest_partitions WHERE partition < $1`,
    [partitions],
  );
  const of = (tier: string) => rows.find((r) => r.tier === tier);
  return {
    complete: { '1m': of('1m')?.through ?? 0, '10m': of('10m')?.through ?? 0, '1h': of('1h')?.through ?? 0 },
    closed10s: of('10s')?.through ?? 0,
    revision: of('10s')?.late ?? '0',
  };
}

/** Per statistic, the two numbers of a bucket's partial (see RANGE_FOLDS), as SQL over a rollup row. */
const BUCKET_PARTIAL: Record<RangeStat, { a: string; b: string }> = {
  avg: { a: 'sum', b: 'count::float8' },
  min: { a: 'min', b: '0::float8' },
  max: { a: 'max', b: '0::float8' },
  last: { a: 'last', b: '(extract(epoch FROM last_at) * 1000)::float8' },
};

/** One rollup row as a bucket partial: `t` is the segment's index in the request. */
export interface BucketRow {
  t: number;
  id: number;
  bucket: number;
  a: number;
  b: number;
}

/**
 * Every row of the segments for the series in `seriesIds`, as bucket partials (no grouping:
 * a row is one series' bucket), for a reader that keeps buckets (RangeCache).
 */
export async function readBucketRows(
  db: Database,
  seriesIds: readonly number[],
  segments: readonly Segment[],
  stat: RangeStat,
): Promise<BucketRow[]> {
  const part = BUCKET_PARTIAL[stat];
  const params: unknown[] = [seriesIds];
  const p = (v: unknown) => `$${params.push(v)}`;
  const sql = segments
    .map(
      (s, i) =>
        `SELECT ${i} AS t, series_id AS id, (extract(epoch FROM bucket) * 1000)::float8 AS bucket, ${part.a} AS a, ${part.b} AS b
           FROM metrics.${TIER_TABLE[s.tier]}
          WHERE series_id = ANY((SELECT $1::int[])::int[]) AND bucket >= ${p(new Date(s.from).toISOString())}::timestamptz
            AND bucket < ${p(new Date(s.to).toISOString())}::timestamptz`,
    )
    .join('\n UNION ALL\n');
  return withReadSettings(db, (tx) => db.query<BucketRow>('rollup_buckets', sql, params, tx), { parallel: false });
}

export async function readCompleteness(db: Database): Promise<Completeness> {
  const rows = await db.query<{ tier: string; through: number }>(
    'rollup_watermarks',
    `SELECT tier, (extract(epoch FROM through) * 1000)::float8 AS through FROM metrics.rollup_watermarks`,
  );
  const of = (tier: string) => rows.find((r) => r.tier === tier)?.through ?? 0;
  return { '1m': of('1m'), '10m': of('10m'), '1h': of('1h') };
}

/**
 * Each series' partials per step point: the buckets re-bucketed to `floor(bucket / step) * step`
 * (date_bin from the epoch) and combined in SQL, one row per (series, point).
 */
export async function readStepPartials(
  db: Database,
  seriesIds: readonly number[],
  segments: readonly Segment[],
  stepMs: number,
  stat: BucketStat,
): Promise<Map<number, Map<number, Partial>>> {
  const ops = STATS[stat];
  const params: unknown[] = [seriesIds, `${stepMs} milliseconds`];
  const union = segmentsSql(segments, ops.columns, params);
  const sql = `
    SELECT g.id, (extract(epoch FROM g.tb) * 1000)::float8 AS t, g.a, g.b FROM (
      SELECT r.series_id AS id, date_bin($2::interval, r.bucket, timestamptz '1970-01-01 00:00:00+00') AS tb,
             ${ops.sql[0]} AS a, ${ops.sql[1]} AS b
        FROM (${union}) r
       GROUP BY 1, 2
    ) g`;
  const rows = await withReadSettings(db, (tx) =>
    db.query<{ id: number; t: number; a: number; b: number }>('rollup_range', sql, params, tx),
  );
  const out = new Map<number, Map<number, Partial>>();
  for (const r of rows) {
    let points = out.get(r.id);
    if (!points) out.set(r.id, (points = new Map()));
    points.set(r.t, { a: r.a, b: r.b });
  }
  return out;
}

/** Which of the (series, 10 s bucket) pairs are in Postgres already. */
export async function storedTenSecondBuckets(
  db: Database,
  pairs: readonly { id: number; bucket: number }[],
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows = await db.query<{ id: number; bucket: number }>(
    'rollup_10s_present',
    `SELECT r.series_id AS id, (extract(epoch FROM r.bucket) * 1000)::float8 AS bucket
       FROM unnest($1::int[], $2::float8[]) AS k(id, ms)
       JOIN metrics.rollup_10s r ON r.series_id = k.id AND r.bucket = to_timestamp(k.ms / 1000.0)`,
    [pairs.map((p) => p.id), pairs.map((p) => p.bucket)],
  );
  return new Set(rows.map((r) => `${r.id}:${r.bucket}`));
}

/** TopK's value per series over the whole range, as one SQL expression of the group `r`. */
const RANGE_VALUE: Record<'avg' | 'min' | 'max' | 'last', { columns: string[]; sql: string }> = {
  avg: { columns: ['sum', 'count'], sql: 'sum(r.sum) / nullif(sum(r.count::float8), 0)' },
  min: { columns: ['min'], sql: 'min(r.min)' },
  max: { columns: ['max'], sql: 'max(r.max)' },
  last: { columns: ['last', 'last_at'], sql: '(array_agg(r.last ORDER BY r.last_at DESC))[1]' },
};

/**
 * The k series of `seriesIds` with the highest (or lowest) value over the segments, ordered
 * and limited in SQL. Without parallel workers: topK runs chunks of a fleet side by side.
 */
export async function readTopK(
  db: Database,
  seriesIds: readonly number[],
  segments: readonly Segment[],
  stat: 'avg' | 'min' | 'max' | 'last',
  order: 'asc' | 'desc',
  k: number,
): Promise<{ id: number; v: number }[]> {
  const value = RANGE_VALUE[stat];
  const params: unknown[] = [seriesIds];
  const union = segmentsSql(segments, value.columns, params);
  const sql = `
    SELECT r.series_id AS id, ${value.sql} AS v
      FROM (${union}) r
     GROUP BY r.series_id
    HAVING ${value.sql} IS NOT NULL
     ORDER BY v ${order === 'desc' ? 'DESC' : 'ASC'}, r.series_id
     LIMIT $${params.push(k)}`;
  return withReadSettings(db, (tx) => db.query<{ id: number; v: number }>('rollup_topk', sql, params, tx), {
    parallel: false,
  });
}
