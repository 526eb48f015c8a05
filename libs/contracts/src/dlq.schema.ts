import * as z from 'zod';
import { IsoTimestamp } from './common.schema';

/** Headers set on every message parked in `dlq.<service>`; the body is the original payload, byte for byte. */
export const DlqHeaders = {
  reason: 'Vigil-Dlq-Reason',
  originalSubject: 'Vigil-Dlq-Subject',
  service: 'Vigil-Dlq-Service',
  stream: 'Vigil-Dlq-Stream',
  streamSeq: 'Vigil-Dlq-Stream-Seq',
  parkedAt: 'Vigil-Dlq-Parked-At',
  /** When the original was stored in its stream (Unix ms): signature checks compare against it on a redrive. */
  storedAt: 'Vigil-Dlq-Stored-At',
  /** The durable consumer (or reader) that refused it. */
  consumer: 'Vigil-Dlq-Consumer',
  /** How many times it was redriven and refused again (absent: never). */
  redrives: 'Vigil-Dlq-Redrives',
  /** Original headers left out to keep the copy within the server's message size: how many. */
  droppedHeaders: 'Vigil-Dlq-Dropped-Headers',
  /** The payload was cut to fit the server's message size: its original length in bytes. */
  truncated: 'Vigil-Dlq-Truncated',
  /** Each original header is kept as `<prefix><name>`: inert for the server, restored on a redrive. */
  originalPrefix: 'Vigil-Dlq-Orig-',
} as const;

/**
 * Whether the server interprets a header of this name on a publish (expectations, message ids,
 * rollups, TTLs, ...): every `Nats-*` header. A DLQ copy never carries one, since the DLQ
 * stream would apply it to the copy (an `Nats-Expected-Stream: TELEMETRY` refuses it).
 */
export function isJetStreamControlHeader(name: string): boolean {
  return name.toLowerCase().startsWith('nats-');
}

/** Why a message was parked; `over_limit`: taking it would pass a named limit (the detail names it). */
export const DlqReason = z.enum([
  'invalid_payload',
  'unknown_type',
  'identity_mismatch',
  'over_limit',
  'processing_failed',
]);
export type DlqReason = z.infer<typeof DlqReason>;

/** The services that park messages and answer `cmd|qry.<context>.dlq-*` for their own DLQ. */
export const DLQ_SERVICES = { 'registry-svc': 'registry', 'metrics-svc': 'metrics', 'alert-svc': 'alerting' } as const;
export type DlqService = keyof typeof DLQ_SERVICES;
export const DlqService = z.enum(Object.keys(DLQ_SERVICES) as [DlqService, ...DlqService[]]);
/** Every DLQ an admin can reach through the gateway: the services', and the gateway's own (its projections park there). */
export const DlqOwner = z.enum([...DlqService.options, 'gateway']);
export type DlqOwner = z.infer<typeof DlqOwner>;

/** The largest payload a `dlq-show` answer carries (the rest is cut and said so). */
export const DLQ_SHOW_MAX_BYTES = 64 * 1024;
/** At most this many parked messages are read per list request (the cursor goes on from there). */
export const DLQ_SCAN_MAX = 2000;
/** At most this many messages per redrive or purge request. */
export const DLQ_BATCH_MAX = 500;
/**
 * A redrive takes no further message once it has run this long: it answers with what it did
 * and how many of its selection remain (`remaining`), well before the gateway's request timeout
 * (VIGIL_RPC_TIMEOUT_MS, 5 s by default). One message's own handling is not cut short.
 */
export const DLQ_REDRIVE_BUDGET_MS = 2000;

const Seq = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const DlqFilter = z
  .object({
    reason: DlqReason.optional(),
    /** The original subject: exact, or a NATS pattern (`*` one token, `>` the rest), without the deployment prefix. */
    subject: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[A-Za-z0-9_\-.*>]+$/, 'a subject or a pattern of tokens, * and >')
      .optional(),
  })
  .strict();
export type DlqFilter = z.infer<typeof DlqFilter>;

export const DlqListRequest = DlqFilter.extend({
  /** Only messages after this DLQ sequence (the previous page's `next`). */
  after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.number().int().min(1).max(500).default(50),
}).strict();

export const DlqEntry = z.object({
  /** Its sequence in the DLQ stream: the id every operation takes. */
  seq: Seq,
  service: z.string(),
  reason: z.string(),
  detail: z.string(),
  originalSubject: z.string(),
  stream: z.string(),
  streamSeq: z.number().int().nonnegative(),
  consumer: z.string().optional(),
  parkedAt: z.string(),
  storedAt: IsoTimestamp.optional(),
  redrives: z.number().int().nonnegative(),
  /** The original payload's size in bytes. */
  size: z.number().int().nonnegative(),
  /** The payload was cut to fit the DLQ (the original was near the server's message size): it cannot be redriven. */
  truncated: z.boolean().optional(),
});
export type DlqEntry = z.infer<typeof DlqEntry>;

export const DlqListReply = z.object({
  entries: z.array(DlqEntry),
  /** Pass as `after` for the next page; absent when the end of the DLQ was reached. */
  next: z.number().int().optional(),
});

export const DlqShowRequest = z.object({ seq: Seq }).strict();
export const DlqShowReply = DlqEntry.extend({
  /** The original headers (control headers were never copied). */
  headers: z.record(z.string(), z.array(z.string())),
  /** `json`: the payload parsed; `base64`: its bytes; either cut to DLQ_SHOW_MAX_BYTES. */
  payload: z.object({
    encoding: z.enum(['json', 'utf8', 'base64']),
    data: z.unknown(),
    truncated: z.boolean(),
  }),
});

const selectionFields = {
  seqs: z.array(Seq).min(1).max(DLQ_BATCH_MAX).optional(),
  /** With `all: true`, every message matching it (up to DLQ_BATCH_MAX per request). */
  filter: DlqFilter.optional(),
  all: z.literal(true).optional(),
};

function selected<T extends z.ZodType<{ seqs?: number[]; filter?: DlqFilter; all?: true }>>(schema: T) {
  return schema
    .refine((s) => (s.seqs !== undefined) !== (s.all === true), {
      message: 'name the messages (seqs) or ask for all matching (all: true, optional filter), not both',
    })
    .refine((s) => s.filter === undefined || s.all === true, { message: 'filter goes with all: true' });
}

/** Which messages a redrive or purge takes: listed sequences, or every one matching a filter (the client's body). */
export const DlqSelection = selected(z.object(selectionFields).strict());
export type DlqSelection = z.infer<typeof DlqSelection>;

/** Who asks for a DLQ change (`user:<id>`, `key:<id>`, set by the gateway from the session): recorded with what it changed. */
export const DlqActor = z.string().min(1).max(256);

/** A redrive or purge as the gateway asks a service: the selection and who asked. */
export const DlqCommand = selected(z.object({ ...selectionFields, actor: DlqActor }).strict());
export type DlqCommand = z.infer<typeof DlqCommand>;

export const DlqOutcome = z.enum([
  'redriven',
  'already_applied',
  'reparked',
  'unsupported',
  'failed',
  'not_found',
  'purged',
]);
export type DlqOutcome = z.infer<typeof DlqOutcome>;

export const DlqResult = z.object({ seq: Seq, outcome: DlqOutcome, detail: z.string().optional() });
export const DlqBatchReply = z.object({
  results: z.array(DlqResult),
  counts: z.record(z.string(), z.number().int()),
  /** More messages matched than one request takes, or its time budget ran out: ask again. */
  more: z.boolean(),
  /** Messages of this request's selection not taken, its time budget (DLQ_REDRIVE_BUDGET_MS) spent: still parked. */
  remaining: z.number().int().nonnegative().optional(),
});
export type DlqBatchReply = z.infer<typeof DlqBatchReply>;

/** The four DLQ operations of one service's context. */
export function dlqOperations(service: DlqService) {
  const context = DLQ_SERVICES[service];
  return {
    list: { kind: 'qry', context, what: 'dlq-list', request: DlqListRequest, reply: DlqListReply },
    show: { kind: 'qry', context, what: 'dlq-show', request: DlqShowRequest, reply: DlqShowReply },
    redrive: { kind: 'cmd', context, what: 'dlq-redrive', request: DlqCommand, reply: DlqBatchReply },
    purge: { kind: 'cmd', context, what: 'dlq-purge', request: DlqCommand, reply: DlqBatchReply },
  } as const;
}
