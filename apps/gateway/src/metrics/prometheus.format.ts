import type { CrossAggregation, ErrorType, SeriesResult } from '@vigil/contracts';

/**
 * The Prometheus HTTP API's shapes (https://prometheus.io/docs/prometheus/latest/querying/api/):
 * times are Unix seconds as JSON numbers, sample values are strings.
 */
export type PromLabels = Record<string, string>;
export interface PromSuccess<T> {
  status: 'success';
  data: T;
}
export interface PromError {
  status: 'error';
  errorType: string;
  error: string;
}
export type PromSample = [number, string];
export interface PromMatrix {
  resultType: 'matrix';
  result: { metric: PromLabels; values: PromSample[] }[];
}
export interface PromVector {
  resultType: 'vector';
  result: { metric: PromLabels; value: PromSample }[];
}

export const success = <T>(data: T): PromSuccess<T> => ({ status: 'success', data });

/** A Go float as Prometheus prints it (strconv 'f', shortest): no exponent, `NaN`, `+Inf`, `-Inf`. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = lead + frac;
  if (exp >= 0)
    return (
      sign +
      (exp >= frac.length
        ? digits + '0'.repeat(exp - frac.length)
        : `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`)
    );
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

const seconds = (ms: number) => ms / 1000;

/** A range reply as a matrix: `__name__` on each series unless it was aggregated away (as Prometheus does). */
export function toMatrix(series: readonly SeriesResult[], aggregated: boolean): PromMatrix {
  return {
    resultType: 'matrix',
    result: series.map((s) => ({
      metric: aggregated ? { ...s.labels } : { __name__: s.metric, ...s.labels },
      values: s.points.map(([t, v]): PromSample => [seconds(t), formatValue(v)]),
    })),
  };
}

export interface InstantSample {
  labels: PromLabels;
  value: number;
}

/** One value per distinct `by` labels, as Prometheus' aggregation of an instant vector. */
export function aggregateInstant(
  samples: readonly InstantSample[],
  op: CrossAggregation,
  by: readonly string[],
): InstantSample[] {
  const groups = new Map<string, { labels: PromLabels; values: number[] }>();
  for (const s of samples) {
    const labels: PromLabels = {};
    for (const l of by) if (s.labels[l]) labels[l] = s.labels[l];
    const key = JSON.stringify(Object.entries(labels).sort());
    const g = groups.get(key) ?? { labels, values: [] };
    g.values.push(s.value);
    groups.set(key, g);
  }
  const fold: Record<CrossAggregation, (v: number[]) => number> = {
    sum: (v) => v.reduce((a, b) => a + b, 0),
    avg: (v) => v.reduce((a, b) => a + b, 0) / v.length,
    min: (v) => Math.min(...v),
    max: (v) => Math.max(...v),
    count: (v) => v.length,
  };
  return [...groups.values()].map((g) => ({ labels: g.labels, value: fold[op](g.values) }));
}

export function toVector(samples: readonly InstantSample[], atMs: number): PromVector {
  return {
    resultType: 'vector',
    result: samples.map((s) => ({ metric: s.labels, value: [seconds(atMs), formatValue(s.value)] })),
  };
}

/** Prometheus' error types and statuses for Vigil's error vocabulary. */
export const PROM_ERRORS: Record<ErrorType, { status: number; errorType: string }> = {
  validation: { status: 400, errorType: 'bad_data' },
  not_found: { status: 404, errorType: 'not_found' },
  limit_exceeded: { status: 422, errorType: 'execution' },
  illegal_state: { status: 422, errorType: 'execution' },
  concurrency: { status: 422, errorType: 'execution' },
  unavailable: { status: 503, errorType: 'unavailable' },
  internal: { status: 500, errorType: 'internal' },
  unauthenticated: { status: 401, errorType: 'unauthorized' },
  forbidden: { status: 403, errorType: 'forbidden' },
  rate_limited: { status: 429, errorType: 'too_many_requests' },
};
