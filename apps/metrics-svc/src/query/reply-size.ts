import type { CrossAggregation } from '@vigil/contracts';
import type { Series } from './series-selector';

/**
 * The longest a point prints in a reply: `[`, a 13-digit Unix ms, `,`, the longest double
 * JavaScript prints (24 characters, e.g. `-2.2250738585072014e-308`), `]` and the comma after it.
 * An upper bound, not an average: a query let through always fits.
 */
export const MAX_POINT_BYTES = 1 + 13 + 1 + 24 + 2;

/** `{"metric":…,"labels":{…},"points":[…]},` without the contents. */
const SERIES_OVERHEAD = '{"metric":,"labels":{},"points":[]},'.length;
/** `{"nodeId":…,"metric":…,"labels":{…},"value":…,"timestamp":…},` without the contents. */
const LATEST_ITEM_OVERHEAD = '{"nodeId":,"metric":,"labels":{},"value":,"timestamp":},'.length;
/** The longest number in an item: a double (24) and a Unix ms (13). */
const LATEST_NUMBERS = 24 + 13;
/** `{"tier":"10m","step":…,"series":[]}` and the like. */
const ENVELOPE = 64;

/** Bytes of a string as JSON (quotes and escapes included), in UTF-8. */
export function jsonStringBytes(s: string): number {
  return Buffer.byteLength(JSON.stringify(s));
}

function labelsBytes(labels: Record<string, string>): number {
  let n = 0;
  for (const [k, v] of Object.entries(labels)) n += jsonStringBytes(k) + jsonStringBytes(v) + 2; // `:` and `,`
  return n;
}

/**
 * The most bytes a range reply over `series` can take with `points` points each, computed
 * from the series' labels before a row is read: the labels each result series carries (the
 * `by` labels of its group when aggregated), and every point at its longest.
 */
export function estimateRangeReply(
  metric: string,
  series: readonly Series[],
  points: number,
  aggregate?: { op: CrossAggregation; by: readonly string[] },
): number {
  const perSeries = SERIES_OVERHEAD + jsonStringBytes(metric) + points * MAX_POINT_BYTES;
  if (!aggregate) {
    let n = ENVELOPE;
    for (const s of series)
      n += perSeries + labelsBytes(s.labels) + jsonStringBytes('node') + jsonStringBytes(s.nodeId) + 2;
    return n;
  }
  const groups = new Map<string, number>();
  for (const s of series) {
    const all: Record<string, string> = { ...s.labels, node: s.nodeId };
    const labels: Record<string, string> = {};
    for (const l of aggregate.by) if (all[l]) labels[l] = all[l];
    const key = JSON.stringify(labels);
    if (!groups.has(key)) groups.set(key, labelsBytes(labels));
  }
  let n = ENVELOPE;
  for (const bytes of groups.values()) n += perSeries + bytes;
  return n;
}

/** The most bytes a latest reply over `series` can take (one value each). */
export function estimateLatestReply(series: readonly Series[]): number {
  let n = ENVELOPE;
  for (const s of series)
    n +=
      LATEST_ITEM_OVERHEAD +
      LATEST_NUMBERS +
      jsonStringBytes(s.nodeId) +
      jsonStringBytes(s.metric) +
      labelsBytes(s.labels);
  return n;
}
