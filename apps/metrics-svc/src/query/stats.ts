import { type BucketStat, type CrossAggregation, labelsKey, type SeriesResult } from '@vigil/contracts';
import type { LatestValue } from '../storage/latest-codec';

/**
 * What a step point keeps of the buckets it covers, before it becomes a value: two numbers
 * whose meaning depends on the statistic (avg: sum and count, last: value and time, the
 * others: the value and 0). Partials from Postgres and from the Redis open bucket merge.
 */
export interface Partial {
  a: number;
  b: number;
}

interface StatOps {
  /** Rollup columns the SQL reads (fewer columns, less to move). */
  columns: string[];
  /** SQL over rows `r` of one group: the partial's two columns. */
  sql: [string, string];
  fromLatest(v: LatestValue): Partial;
  merge(x: Partial, y: Partial): Partial;
  /** The point's value; undefined when there is none (no samples). */
  value(p: Partial): number | undefined;
}

const add = (x: Partial, y: Partial): Partial => ({ a: x.a + y.a, b: x.b + y.b });
const single = (a: number): Partial => ({ a, b: 0 });
const own = (p: Partial) => p.a;

export const STATS: Record<BucketStat, StatOps> = {
  avg: {
    columns: ['sum', 'count'],
    sql: ['sum(r.sum)', 'sum(r.count::float8)'],
    fromLatest: (v) => ({ a: v.sum, b: v.count }),
    merge: add,
    value: (p) => (p.b > 0 ? p.a / p.b : undefined),
  },
  sum: { columns: ['sum'], sql: ['sum(r.sum)', '0'], fromLatest: (v) => single(v.sum), merge: add, value: own },
  // count is a bigint: summed as float8, because sum(bigint) is numeric and numeric is slow.
  count: {
    columns: ['count'],
    sql: ['sum(r.count::float8)', '0'],
    fromLatest: (v) => single(v.count),
    merge: add,
    value: own,
  },
  min: {
    columns: ['min'],
    sql: ['min(r.min)', '0'],
    fromLatest: (v) => single(v.min),
    merge: (x, y) => single(Math.min(x.a, y.a)),
    value: own,
  },
  max: {
    columns: ['max'],
    sql: ['max(r.max)', '0'],
    fromLatest: (v) => single(v.max),
    merge: (x, y) => single(Math.max(x.a, y.a)),
    value: own,
  },
  last: {
    columns: ['last', 'last_at'],
    sql: ['(array_agg(r.last ORDER BY r.last_at DESC))[1]', '(extract(epoch FROM max(r.last_at)) * 1000)::float8'],
    fromLatest: (v) => ({ a: v.last, b: v.lastAt }),
    merge: (x, y) => (y.b > x.b ? y : x),
    value: own,
  },
};

/** One series' points before aggregation, with the labels it is reported (and grouped) by. */
export interface LabelledPoints {
  labels: Record<string, string>;
  points: [number, number][];
}

type Fold = { acc: number; n: number };
const CROSS: Record<CrossAggregation, { step(f: Fold, v: number): void; result(f: Fold): number }> = {
  avg: { step: (f, v) => ((f.acc += v), f.n++), result: (f) => f.acc / f.n },
  sum: { step: (f, v) => ((f.acc += v), f.n++), result: (f) => f.acc },
  count: { step: (f) => void f.n++, result: (f) => f.n },
  min: { step: (f, v) => ((f.acc = f.n ? Math.min(f.acc, v) : v), f.n++), result: (f) => f.acc },
  max: { step: (f, v) => ((f.acc = f.n ? Math.max(f.acc, v) : v), f.n++), result: (f) => f.acc },
};

/**
 * Aggregates series into one per distinct value of the `by` labels, point by point over the
 * series that have a value at that time (Prometheus' `op by (labels) (...)`). The result
 * keeps only the `by` labels; a series without one groups under "" and the label is left out.
 */
export function aggregateAcross(
  metric: string,
  series: readonly LabelledPoints[],
  op: CrossAggregation,
  by: readonly string[],
): SeriesResult[] {
  const groups = new Map<string, { labels: Record<string, string>; folds: Map<number, Fold> }>();
  for (const s of series) {
    const labels: Record<string, string> = {};
    for (const l of by) if (s.labels[l]) labels[l] = s.labels[l];
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, folds: new Map() }));
    for (const [t, v] of s.points) {
      let f = g.folds.get(t);
      if (!f) g.folds.set(t, (f = { acc: 0, n: 0 }));
      CROSS[op].step(f, v);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => ({
      metric,
      labels: g.labels,
      points: [...g.folds.entries()]
        .sort(([a], [b]) => a - b)
        .map(([t, f]): [number, number] => [t, CROSS[op].result(f)]),
    }));
}
