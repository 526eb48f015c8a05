/**
 * The latest value of one series and the aggregate of its most recent 10 s bucket, as the
 * ingest knows them. Stored in Redis so queries see data within one flush, before the
 * bucket reaches Postgres: hash `live:<metric>`, one field per node holding every series
 * of that node and metric (a node's batch carries them together). One field per series
 * made the ingest spend as much on building Redis commands as on decoding and folding.
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

export interface LatestEntry {
  seriesId: number;
  value: LatestValue;
}

/** A series as the ingest holds it: its id (0 until known) and its newest aggregate, if any. */
export interface LatestSource {
  id: number;
  recent?: LatestValue;
}

const FIELDS = 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Bytes of one encoded series: eight little-endian doubles. */
export const LATEST_ENTRY_BYTES = FIELDS * 8;

/**
 * Each group's series that have an id and a value, as `seriesId, lastAt, last, bucket, min,
 * max, sum, count`, eight little-endian doubles each, one after the other: exact, and
 * several times cheaper than formatting numbers as text at the ingest's rate. All groups go
 * into one allocation (each result is a view into it); undefined for a group with nothing
 * to write.
 */
export function encodeLatestGroups(groups: readonly (readonly LatestSource[])[]): (Buffer | undefined)[] {
  let n = 0;
  for (const group of groups) for (const s of group) if (s.recent && s.id !== 0) n++;
  const f = new Float64Array(n * FIELDS);
  const bytes = Buffer.from(f.buffer);
  const out = new Array<Buffer | undefined>(groups.length);
  let o = 0;
  for (let g = 0; g < groups.length; g++) {
    const start = o;
    for (const s of groups[g]) {
      const v = s.recent;
      if (!v || s.id === 0) continue;
      f[o] = s.id;
      f[o + 1] = v.lastAt;
      f[o + 2] = v.last;
      f[o + 3] = v.bucket;
      f[o + 4] = v.min;
      f[o + 5] = v.max;
      f[o + 6] = v.sum;
      f[o + 7] = v.count;
      o += FIELDS;
    }
    out[g] = o > start ? bytes.subarray(start * 8, o * 8) : undefined;
  }
  if (!LITTLE_ENDIAN) for (let i = 0; i < f.length; i++) bytes.writeDoubleLE(f[i], i * 8);
  return out;
}

/**
 * The series encodeLatestGroups wrote for one group. A malformed value (wrong length, a non-finite number,
 * an id that is not a positive integer) yields nothing: a query skips it rather than fail.
 */
export function decodeLatestGroup(b: Buffer | null | undefined): LatestEntry[] {
  if (!b || b.length === 0 || b.length % LATEST_ENTRY_BYTES !== 0) return [];
  const out: LatestEntry[] = [];
  const n = new Array<number>(FIELDS);
  for (let o = 0; o < b.length; o += LATEST_ENTRY_BYTES) {
    for (let i = 0; i < FIELDS; i++) {
      n[i] = b.readDoubleLE(o + i * 8);
      if (!Number.isFinite(n[i])) return [];
    }
    if (!Number.isSafeInteger(n[0]) || n[0] <= 0) return [];
    out.push({
      seriesId: n[0],
      value: { lastAt: n[1], last: n[2], bucket: n[3], min: n[4], max: n[5], sum: n[6], count: n[7] },
    });
  }
  return out;
}
