import { ValidationError, z } from '@vigil/contracts';
import { AgentIdentityEnv } from '@vigil/platform';

const hours = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** metrics-svc's own environment keys (the common ones come from the platform). */
export const MetricsEnv = z.object({
  /** How long each tier is kept, in hours (defaults: 10 s for 2 days, 1 min for 30 days, 10 min for 90 days, 1 h for 400 days). */
  VIGIL_METRICS_RETENTION_10S_HOURS: hours(48),
  VIGIL_METRICS_RETENTION_1M_HOURS: hours(30 * 24),
  VIGIL_METRICS_RETENTION_10M_HOURS: hours(90 * 24),
  VIGIL_METRICS_RETENTION_1H_HOURS: hours(400 * 24),
  /** How often the live view (Redis: latest values, newest buckets) and the closed 10 s buckets (Postgres) are written; independently. */
  VIGIL_METRICS_FLUSH_MS: z.coerce.number().int().min(50).default(500),
  /** A 10 s bucket is written once the clock is this far past its end; later samples merge into it. */
  VIGIL_METRICS_GRACE_MS: z.coerce.number().int().min(0).default(2000),
  /** Samples further than this ahead of the clock are refused (the batch goes to the DLQ). */
  VIGIL_METRICS_MAX_FUTURE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(10 * 60_000),
  /** How often the 1 min, 10 min and 1 h tiers are rolled up from the finer one. */
  VIGIL_METRICS_ROLLUP_MS: z.coerce.number().int().min(100).default(5000),
  /** How often partitions are created ahead and dropped by retention. */
  VIGIL_METRICS_MAINTENANCE_MS: z.coerce.number().int().min(1000).default(3600_000),
  /** How many partitions' rollup writes may run at once (each is one transaction). */
  VIGIL_METRICS_WRITE_CONCURRENCY: z.coerce.number().int().min(1).default(2),
  /** Partition leases: a dead owner's partitions are taken over after this long. */
  VIGIL_METRICS_LEASE_MS: z.coerce.number().int().min(500).default(6000),
  /** Query limits: a query touching more series or returning more points is refused with 422. */
  VIGIL_METRICS_MAX_SERIES: z.coerce.number().int().min(1).default(10_000),
  VIGIL_METRICS_MAX_POINTS: z.coerce.number().int().min(1).default(1_000_000),
  /** Memory for the closed buckets of top-k selections (see RangeCache), in MiB; 0 reads every bucket from Postgres each time. */
  VIGIL_METRICS_TOPK_CACHE_MB: z.coerce.number().int().min(0).default(64),
  /** Distinct series one node may hold in the ingest; new series beyond are dropped and counted. */
  VIGIL_METRICS_INGEST_MAX_SERIES_PER_NODE: z.coerce.number().int().min(1).default(30_000),
  /** Distinct series one metric may hold across the fleet; each partition holds its share (this / VIGIL_PARTITIONS, rounded up). */
  VIGIL_METRICS_INGEST_MAX_SERIES_PER_METRIC: z.coerce.number().int().min(1).default(2_000_000),
  /** Series and nodes one replica holds in memory at most (the ceiling of its ingest memory). */
  VIGIL_METRICS_INGEST_MAX_SERIES: z.coerce.number().int().min(1).default(1_000_000),
  /** A node silent this long, or a series its node stopped sending this long ago, is forgotten. */
  VIGIL_METRICS_INGEST_SERIES_IDLE_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(15 * 60_000),
  ...AgentIdentityEnv,
});
export type MetricsEnv = z.infer<typeof MetricsEnv>;

export interface Retention {
  '10s': number;
  '1m': number;
  '10m': number;
  '1h': number;
}

/**
 * Retention per tier in milliseconds. A coarser tier keeps at least as long as the finer one
 * it is rolled up from: a rollup writes what its source holds, and samples older than a
 * tier keeps go to the coarser tiers.
 */
export function retentionOf(env: MetricsEnv): Retention {
  const h = 3600_000;
  const order = [
    env.VIGIL_METRICS_RETENTION_10S_HOURS,
    env.VIGIL_METRICS_RETENTION_1M_HOURS,
    env.VIGIL_METRICS_RETENTION_10M_HOURS,
    env.VIGIL_METRICS_RETENTION_1H_HOURS,
  ];
  if (order.some((hours, i) => i > 0 && hours < order[i - 1])) {
    throw new ValidationError(
      `metrics retention must not shrink from a finer tier to a coarser one: 10s ${order[0]} h, 1m ${order[1]} h, 10m ${order[2]} h, 1h ${order[3]} h`,
    );
  }
  return {
    '10s': env.VIGIL_METRICS_RETENTION_10S_HOURS * h,
    '1m': env.VIGIL_METRICS_RETENTION_1M_HOURS * h,
    '10m': env.VIGIL_METRICS_RETENTION_10M_HOURS * h,
    '1h': env.VIGIL_METRICS_RETENTION_1H_HOURS * h,
  };
}
