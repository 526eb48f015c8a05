import { type Tier, TIERS } from '@vigil/contracts';
import type { DataSource } from 'typeorm';
import type { Retention } from '../config';

const DAY = 86_400_000;

/**
 * Width of one Postgres partition of each tier: 8,640 (10 s), 1,440 (1 min), 1,008 (10 min)
 * and 720 (1 h) rows a series. Widths are aligned to the epoch, so a 7-day partition starts
 * on a Thursday.
 */
export const PARTITION_MS: Record<Tier, number> = { '10s': DAY, '1m': DAY, '10m': 7 * DAY, '1h': 30 * DAY };

export const TIER_TABLE: Record<Tier, string> = {
  '10s': 'rollup_10s',
  '1m': 'rollup_1m',
  '10m': 'rollup_10m',
  '1h': 'rollup_1h',
};

/**
 * How a partial aggregate merges into a stored rollup row (`r`, the insert's `excluded`):
 * the one rule for the ingest's writes and the tier rollups.
 */
export const MERGE_ROLLUP = `ON CONFLICT (series_id, bucket) DO UPDATE SET
    min = least(r.min, excluded.min),
    max = greatest(r.max, excluded.max),
    sum = r.sum + excluded.sum,
    count = r.count + excluded.count,
    last = CASE WHEN excluded.last_at >= r.last_at THEN excluded.last ELSE r.last END,
    last_at = greatest(r.last_at, excluded.last_at)`;

/** Partitions made ahead of the clock, so a write never waits on DDL. */
export const PARTITIONS_AHEAD = 2;

function partitionName(tier: Tier, fromMs: number): string {
  return `${TIER_TABLE[tier]}_p${new Date(fromMs).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** Start (Unix ms) of a partition named by partitionName, or undefined for another table. */
function partitionStart(tier: Tier, name: string): number | undefined {
  const m = new RegExp(`^${TIER_TABLE[tier]}_p(\\d{4})(\\d{2})(\\d{2})$`).exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
}

export interface PartitionReport {
  created: string[];
  dropped: string[];
}

/**
 * Makes every tier's partitions cover [now - retention, now + PARTITIONS_AHEAD widths) and
 * drops those wholly older than the retention. Idempotent; safe to run on several replicas
 * at once (CREATE ... IF NOT EXISTS under an advisory lock).
 */
export async function maintainPartitions(
  dataSource: DataSource,
  schema: string,
  retention: Retention,
  nowMs: number,
): Promise<PartitionReport> {
  const report: PartitionReport = { created: [], dropped: [] };
  await dataSource.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vigil-partitions:${schema}`]);
    for (const tier of TIERS) {
      const width = PARTITION_MS[tier];
      const parent = TIER_TABLE[tier];
      const existing: { name: string }[] = await tx.query(
        `SELECT c.relname AS name
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
          WHERE n.nspname = $1 AND p.relname = $2`,
        [schema, parent],
      );
      const names = new Set(existing.map((e) => e.name));
      const oldest = Math.floor((nowMs - retention[tier]) / width) * width;
      const newest = Math.floor(nowMs / width) * width + PARTITIONS_AHEAD * width;
      for (let from = oldest; from <= newest; from += width) {
        const name = partitionName(tier, from);
        if (names.has(name)) continue;
        await tx.query(
          `CREATE TABLE IF NOT EXISTS "${schema}"."${name}" PARTITION OF "${schema}"."${parent}"
             FOR VALUES FROM ('${new Date(from).toISOString()}') TO ('${new Date(from + width).toISOString()}')`,
        );
        report.created.push(name);
      }
      for (const { name } of existing) {
        const from = partitionStart(tier, name);
        if (from !== undefined && from + width <= nowMs - retention[tier]) {
          await tx.query(`DROP TABLE "${schema}"."${name}"`);
          report.dropped.push(name);
        }
      }
    }
  });
  return report;
}
