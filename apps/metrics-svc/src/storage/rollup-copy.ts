import type { Tier } from '@vigil/contracts';

/** One row of a rollup tier: a series' aggregate in one bucket (times in Unix ms). */
export interface CopyRow {
  seriesId: number;
  agg: { bucket: number; min: number; max: number; sum: number; count: number; last: number; lastAt: number };
}

/** Tier codes in the staging table (its `tier` column). */
export const TIER_CODE: Record<Tier, number> = { '10s': 0, '1m': 1, '10m': 3, '1h': 2 };

/**
 * The session's staging table the rollup rows are copied into before they are merged into
 * their tier (COPY cannot merge). Temporary, so each connection has its own, and emptied at
 * every commit. Its columns are those of `encodeRollupCopy`, in order.
 */
export const STAGE_TABLE = 'pg_temp.rollup_stage';
export const CREATE_STAGE = `CREATE TEMP TABLE IF NOT EXISTS rollup_stage (
    tier smallint NOT NULL, series_id integer NOT NULL, bucket timestamptz NOT NULL,
    min double precision NOT NULL, max double precision NOT NULL, sum double precision NOT NULL,
    count bigint NOT NULL, last double precision NOT NULL, last_at timestamptz NOT NULL
  ) ON COMMIT DELETE ROWS`;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;
const FIELDS = 9;
/** Field count, then each field's length and value. */
const ROW_BYTES = 2 + (4 + 2) + (4 + 4) + 7 * (4 + 8);
/** 2000-01-01T00:00:00Z, PostgreSQL's epoch for timestamps (microseconds from it, as int8). */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;

/** An integral double (|v| < 2^63, exact) as a big-endian int8. */
function setInt64(view: DataView, offset: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  view.setInt32(offset, hi);
  view.setUint32(offset + 4, v - hi * TWO_32);
}

/**
 * The rows in PostgreSQL's binary COPY format, for the staging table. Doubles travel as
 * their eight bytes: formatting and parsing them as text cost the ingest and Postgres more
 * than the merge itself. Times are whole milliseconds, so microseconds stay exact.
 */
export function encodeRollupCopy(tiers: readonly (readonly [Tier, readonly CopyRow[]])[]): Buffer {
  let rows = 0;
  for (const [, list] of tiers) rows += list.length;
  const buf = Buffer.allocUnsafe(HEADER_BYTES + rows * ROW_BYTES + 2);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  SIGNATURE.copy(buf, 0);
  view.setInt32(SIGNATURE.length, 0); // flags
  view.setInt32(SIGNATURE.length + 4, 0); // header extension length
  let o = HEADER_BYTES;
  const double = (v: number) => {
    view.setInt32(o, 8);
    view.setFloat64(o + 4, v);
    o += 12;
  };
  const int8 = (v: number) => {
    view.setInt32(o, 8);
    setInt64(view, o + 4, v);
    o += 12;
  };
  for (const [tier, list] of tiers) {
    const code = TIER_CODE[tier];
    for (const { seriesId, agg } of list) {
      view.setInt16(o, FIELDS);
      view.setInt32(o + 2, 2);
      view.setInt16(o + 6, code);
      view.setInt32(o + 8, 4);
      view.setInt32(o + 12, seriesId);
      o += 16;
      int8((agg.bucket - PG_EPOCH_MS) * 1000);
      double(agg.min);
      double(agg.max);
      double(agg.sum);
      int8(agg.count);
      double(agg.last);
      int8((agg.lastAt - PG_EPOCH_MS) * 1000);
    }
  }
  view.setInt16(o, -1); // trailer
  return buf;
}
