import * as z from 'zod';
import { IsoTimestamp } from '../common.schema';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';

/**
 * One call to the gateway that changes something (or tried to), a login, a logout or a failed
 * login, or the use of an API key: one aggregate per record (`events.audit.<id>`). `changes` is
 * what the caller sent, with every secret-looking field replaced by `[redacted]`.
 */
export const AuditRecorded = defineEvent('audit.recorded', {
  version: 1,
  schema: z.object({
    /** `user:<name>`, `key:<id>`, or `anonymous` (a failed login, a refused call). */
    actor: z.string().min(1).max(256),
    sourceIp: z.string().max(64),
    userAgent: z.string().max(512),
    requestId: z.string().max(128),
    /** `<METHOD> <route pattern>`, e.g. `PUT /api/v1/users/:username/role`, or `key.used`. */
    action: z.string().min(1).max(256),
    /** The path called, e.g. `/api/v1/users/bob/role`. */
    target: z.string().max(1024),
    status: z.number().int(),
    outcome: z.enum(['success', 'failure']),
    changes: z.unknown().optional(),
  }),
});

export type AuditRecordedEvent = EventOf<typeof AuditRecorded>;
export type AuditEvent = AuditRecordedEvent;
export const auditEvents = new EventCatalog<AuditEvent>([AuditRecorded]);

export const AuditQuery = z.object({
  actor: z.string().max(256).optional(),
  action: z.string().max(256).optional(),
  /** The path called, or its beginning. */
  target: z.string().max(1024).optional(),
  requestId: z.string().max(128).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  /** Text found (case-insensitive) in the actor, the action, the target or what was sent (`changes`). */
  q: z.string().min(1).max(200).optional(),
  since: IsoTimestamp.optional(),
  until: IsoTimestamp.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The `next` of the previous page. */
  before: z.coerce.number().int().positive().optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditRecordView = AuditRecorded.schema.extend({ id: z.string(), seq: z.number(), at: IsoTimestamp });
export type AuditRecordView = z.infer<typeof AuditRecordView>;
