import * as z from 'zod';
import { IsoTimestamp } from '../common.schema';

export const EventMeta = z.object({
  /** The id shared by everything one request or message caused. */
  correlationId: z.string().min(1).max(128),
  /** The id of the event or message that directly caused this one (null for a user action). */
  causationId: z.string().min(1).max(128).nullable(),
  /** Who did it: `service:registry-svc`, `user:<id>`, `agent:<nodeId>`. */
  actor: z.string().min(1).max(256),
});
export type EventMeta = z.infer<typeof EventMeta>;

/** The envelope of every domain event on the EVENTS stream; `data` is validated per type and version. */
export const EventEnvelope = z.object({
  id: z.uuid(),
  type: z.string().regex(/^[a-z_]+\.[a-z_]+$/, 'must look like "context.past_tense_verb"'),
  version: z.number().int().positive(),
  /** The aggregate, as `<context>.<aggregateId>` (without any deployment prefix). */
  subject: z.string().min(3).max(300),
  occurredAt: IsoTimestamp,
  data: z.unknown(),
  meta: EventMeta,
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;
