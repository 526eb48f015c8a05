import * as z from 'zod';
import { LABEL_NAME_PATTERN, SUBJECT_TOKEN_PATTERN } from './patterns';
import { boundedRecord, LabelName, REQUEST_LIMITS } from './request-limits';

/** A node id is a subject token: it appears in `telemetry.*.<nodeId>` and `events.node.<nodeId>`. */
export const NodeId = z
  .string()
  .min(1)
  .max(128)
  .regex(SUBJECT_TOKEN_PATTERN, 'must contain only letters, digits, "_" and "-"');
export type NodeId = z.infer<typeof NodeId>;

export const IsoTimestamp = z.iso.datetime({ offset: true });

/**
 * Prometheus label names and values, as carried in samples and node labels. The length of a
 * name is checked by the series limits of whatever carries them (SERIES_LIMITS.label_name_bytes,
 * whose refusal names the limit), not here: a key refused by the record itself would only say
 * "Invalid key in record".
 */
export const Labels = z.record(
  z.string().regex(LABEL_NAME_PATTERN, 'invalid label name'),
  z.string().max(REQUEST_LIMITS.label_value_chars),
);
export type Labels = z.infer<typeof Labels>;

/** Labels that select (nodes by their labels): at most REQUEST_LIMITS.selector_labels of them. */
export const SelectorLabels = boundedRecord(
  LabelName,
  z.string().max(REQUEST_LIMITS.label_value_chars),
  'selector_labels',
);

/** The labels a node reports for itself (heartbeat, inventory): at most REQUEST_LIMITS.node_labels. */
export const NodeLabels = boundedRecord(LabelName, z.string().max(REQUEST_LIMITS.label_value_chars), 'node_labels');
