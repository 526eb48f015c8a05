/**
 * The latest value of one series and the aggregate of its most recent 10 s bucket, as the
 * ingest knows them. Stored in Redis (hash `latest:<metric>`, field = series id) so queries
 * see data within one flush, before the bucket reaches Postgres.
 */
export interface LatestValue {
  /** Unix ms of the latest sample. */
  lastAt: number;
  last: number;
  /** Unix ms start of the 10 s bucket the aggregate below is of. */
  bucket: number;
  min: number;
  max: number;
  sum: number;
  count: number;
}

/** `lastAt,last,bucket,min,max,sum,count`: short, and exact (JavaScript prints doubles round-trip). */
export function encodeLatest(v: LatestValue): string {
  return `${v.lastAt},${v.last},${v.bucket},${v.min},${v.max},${v.sum},${v.count}`;
}

/** The value encodeLatest wrote, or undefined for anything else (a query skips it rather than fail). */
export function decodeLatest(s: string | null | undefined): LatestValue | undefined {
  if (!s) return undefined;
  const parts = s.split(',');
  if (parts.length !== 7) return undefined;
  const n = parts.map(Number);
  if (parts.some((p) => p === '') || !n.every(Number.isFinite)) return undefined;
  return { lastAt: n[0], last: n[1], bucket: n[2], min: n[3], max: n[4], sum: n[5], count: n[6] };
}
