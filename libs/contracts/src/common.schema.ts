import * as z from 'zod';
import { LABEL_NAME_PATTERN, SUBJECT_TOKEN_PATTERN } from './patterns';

/** A node id is a subject token: it appears in `telemetry.*.<nodeId>` and `events.node.<nodeId>`. */
export const NodeId = z
  .string()
  .min(1)
  .max(128)
  .regex(SUBJECT_TOKEN_PATTERN, 'must contain only letters, digits, "_" and "-"');
export type NodeId = z.infer<typeof NodeId>;

export const IsoTimestamp = z.iso.datetime({ offset: true });

/** Prometheus label names and values, as carried in samples and node labels. */
export const Labels = z.record(z.string().regex(LABEL_NAME_PATTERN, 'invalid label name'), z.string().max(1024));
export type Labels = z.infer<typeof Labels>;
