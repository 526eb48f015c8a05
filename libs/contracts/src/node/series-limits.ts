import { ValidationError } from '../errors';
import { labelsKey } from '../metrics/tiers';

/**
 * The limits of one series in a sample batch, named once. The batch contract (`SampleBatch`,
 * `parseSeriesList`) and the ingest's hand-written fast path both check them; a batch that
 * breaks one is refused whole, and the refusal names the limit (`SeriesLimitError.limit`).
 * Prometheus calls the like `label_limit`, `label_name_length_limit` and
 * `label_value_length_limit`; lengths here are UTF-8 bytes.
 */
export const SERIES_LIMITS = {
  /** Labels of one series. */
  labels_per_series: 32,
  /** Bytes of one label name. */
  label_name_bytes: 128,
  /** Bytes of one label value. */
  label_value_bytes: 1024,
  /** Bytes of a metric name. */
  metric_name_bytes: 200,
  /** Bytes of one series' line (`<metric><labels as canonical JSON>`). */
  series_bytes: 8192,
  /** Series (samples) of one batch. */
  series_per_batch: 20_000,
} as const;

export type SeriesLimit = keyof typeof SERIES_LIMITS;

/** A batch broke one of SERIES_LIMITS: `limit` names which. */
export class SeriesLimitError extends ValidationError {
  constructor(
    readonly limit: SeriesLimit,
    detail: string,
  ) {
    super(`limit ${limit} (${SERIES_LIMITS[limit]}) exceeded: ${detail}`, { limit });
  }
}

/** UTF-8 length of `s`, without encoding it when it cannot matter (`max` ≥ 3 bytes per character). */
export function utf8Bytes(s: string, max: number): number {
  return s.length * 3 <= max ? s.length : Buffer.byteLength(s, 'utf8');
}

/**
 * Throws a SeriesLimitError if one series breaks a limit (series_per_batch is the batch's). `where` prefixes the detail
 * (e.g. `line 3: `). Label names and values are assumed to be strings already.
 */
export function checkSeriesLimits(metric: string, labels: Readonly<Record<string, string>>, where = ''): void {
  if (metric.length > SERIES_LIMITS.metric_name_bytes)
    throw new SeriesLimitError('metric_name_bytes', `${where}metric name of ${metric.length} bytes`);
  let count = 0;
  // An upper bound of the series line's bytes (a character is at most 6 bytes once escaped
  // in JSON or encoded in UTF-8); the line is only built when the bound is over the limit.
  let bound = metric.length + 2;
  for (const k in labels) {
    count++;
    const nameBytes = utf8Bytes(k, SERIES_LIMITS.label_name_bytes);
    if (nameBytes > SERIES_LIMITS.label_name_bytes)
      throw new SeriesLimitError('label_name_bytes', `${where}label name of ${nameBytes} bytes`);
    const v = labels[k];
    const valueBytes = utf8Bytes(v, SERIES_LIMITS.label_value_bytes);
    if (valueBytes > SERIES_LIMITS.label_value_bytes)
      throw new SeriesLimitError('label_value_bytes', `${where}label ${k} has a value of ${valueBytes} bytes`);
    bound += 6 * (k.length + v.length) + 6;
  }
  if (count > SERIES_LIMITS.labels_per_series)
    throw new SeriesLimitError('labels_per_series', `${where}series of ${metric} has ${count} labels`);
  if (bound > SERIES_LIMITS.series_bytes) {
    const bytes = Buffer.byteLength(metric + labelsKey(labels), 'utf8');
    if (bytes > SERIES_LIMITS.series_bytes)
      throw new SeriesLimitError('series_bytes', `${where}series of ${bytes} bytes`);
  }
}
