/**
 * The live view of one series in Redis (hash `metrics:latest:<metric>`, field = series id):
 * its latest value and the aggregate of its most recent 10 s bucket, as the ingest knows it.
 */
export interface LatestValue {
  /** Unix ms of the latest sample. */
  lastAt: number;
  last: number;
  /** Start (Unix ms) of the most recent 10 s bucket and its aggregate. */
  bucket: number;
  min: number;
  max: number;
  sum: number;
  count: number;
}

export function encodeLatest(v: LatestValue): string {
  return `${v.lastAt},${v.last},${v.bucket},${v.min},${v.max},${v.sum},${v.count}`;
}

export function decodeLatest(s: string): LatestValue | undefined {
  const p = s.split(',');
  if (p.length !== 7) return undefined;
  const n = p.map(Number);
  if (n.some((x) => !Number.isFinite(x))) return undefined;
  return { lastAt: n[0], last: n[1], bucket: n[2], min: n[3], max: n[4], sum: n[5], count: n[6] };
}
