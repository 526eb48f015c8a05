import * as z from 'zod';
import { LABEL_NAME_PATTERN } from './patterns';

/**
 * The limits of the fields of requests that the series limits (series-limits.ts) do not cover:
 * label names in matchers and selectors, rule labels and annotations, the rules of one apply,
 * durations given as text. Named once; each refusal names the field (its path) and the limit.
 * Values follow Prometheus where it has one (a label name of 128 bytes at most, as its
 * `label_name_length_limit` is commonly set; label values of 1 KiB as SERIES_LIMITS), else are
 * well above what an operator writes: a rule with 64 labels or annotations, an annotation of
 * 4 KiB (a runbook paragraph), 1,000 rules in one apply (the default rules are some 30), a
 * duration of one year (a `for`, a keep_firing_for or a silence longer than that is a mistake).
 * Names are ASCII (their pattern), so their bytes are their characters.
 */
export const REQUEST_LIMITS = {
  /** Bytes of a label name (matchers, selectors, `by`, rule labels, annotation names). */
  label_name_bytes: 128,
  /** Characters of a label value in a selector or a rule's labels (as SERIES_LIMITS.label_value_bytes). */
  label_value_chars: 1024,
  /** Entries of a label selector (`nodes.labels`, an offline rule's `nodeLabels`, a silence's matchers as a map). */
  selector_labels: 32,
  /** Matchers of one selector given as a map of label to value (a silence's, a route's), as their list's 20. */
  matchers: 20,
  /** Labels a node reports for itself (heartbeat, inventory). */
  node_labels: 64,
  /** Labels of one rule. */
  rule_labels: 64,
  /** Annotations of one rule. */
  rule_annotations: 64,
  /** Characters of one annotation (a template). */
  annotation_value_chars: 4096,
  /** Rules of one apply (a rules file). */
  rules_per_apply: 1000,
  /** Characters of a duration given as text (`1h30m`). */
  duration_text_chars: 32,
  /** Longest duration, in milliseconds (one year, `1y`). */
  duration_max_ms: 365 * 86_400_000,
} as const;

export type RequestLimit = keyof typeof REQUEST_LIMITS;

/** The message of a refusal for breaking `limit`. */
export function overLimit(limit: RequestLimit, what: string): string {
  return `${what} over the limit ${limit} (${REQUEST_LIMITS[limit]})`;
}

/** A Prometheus label name of at most REQUEST_LIMITS.label_name_bytes. */
export const LabelName = z
  .string()
  .max(REQUEST_LIMITS.label_name_bytes, overLimit('label_name_bytes', 'label name'))
  .regex(LABEL_NAME_PATTERN, 'invalid label name');

/** The entry count each bounded record allows (read by the contracts' fuzz test, which proves every request bounded). */
const RECORD_BOUNDS = new WeakMap<object, number>();

/** The most entries `schema` (a record made by boundedRecord) takes; undefined for any other schema. */
export function recordBound(schema: object): number | undefined {
  return RECORD_BOUNDS.get(schema);
}

/**
 * A record of at most REQUEST_LIMITS[limit] entries (keys and values bounded by their schemas).
 * Only refine is used on it: the agent's zod-lite has it too.
 */
export function boundedRecord<K extends z.ZodType<string, string>, V extends z.ZodType>(
  key: K,
  value: V,
  limit: RequestLimit,
) {
  const max = REQUEST_LIMITS[limit];
  const schema = z
    .record(key, value)
    .refine((r) => Object.keys(r).length <= max, overLimit(limit, 'number of entries'));
  RECORD_BOUNDS.set(schema, max);
  return schema;
}
