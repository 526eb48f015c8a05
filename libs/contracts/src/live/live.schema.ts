import * as z from 'zod';
import { NodeId } from '../common.schema';
import { MetricName } from '../node/samples.schema';

/**
 * The live API: one WebSocket per client at `GET /ws` on the gateway (the console's, the CLI's or
 * a script's), authenticated at the upgrade exactly as REST is (session cookie or
 * `Authorization: Bearer` with an access token or an API key). Every frame is one JSON text
 * message, validated here on both sides; the server pushes deltas only, never whole lists (the
 * lists come from REST, and a delta stream resumes from the cursor the client last saw).
 */

/** Bounds of the live API: what one socket may ask for and how much the server holds for it. */
export const LIVE_LIMITS = {
  /** Bytes of one client frame; a larger one closes the socket (1009). */
  client_frame_bytes: 16 * 1024,
  /** Client frames one socket may send per second on average (bursts of twice that); beyond: close 4029. */
  client_frames_per_second: 20,
  /** Subscriptions open at once on one socket. */
  subscriptions: 32,
  /** Nodes in one `samples` subscription. */
  sample_nodes: 50,
  /** Metric names in one `samples` subscription (none: every metric of the batch). */
  sample_metrics: 100,
  /** Frames queued for one socket; a client that lets more pile up is dropped (close 4008). */
  send_queue_frames: 1000,
  /** Bytes queued for one socket (the socket's buffered amount included); past it: close 4008. */
  send_queue_bytes: 4 * 1024 * 1024,
  /** Events replayed on a resumption; a client further behind is told to reload (`reset`). */
  resume_events: 1000,
  /** The server pings every this many ms; a client that has not answered two pings is closed. */
  ping_ms: 15_000,
  /** The longest a revoked or expired credential keeps its socket, in ms. */
  revocation_ms: 5_000,
} as const;

/** Close codes the server uses besides the standard ones (1000, 1001, 1008, 1009, 1011). */
export const LIVE_CLOSE = {
  /** The credential is gone: logged out, revoked, expired, user disabled. */
  unauthorized: 4001,
  /** The role does not allow what was asked (e.g. audit for a viewer), for the whole socket. */
  forbidden: 4003,
  /** The client read too slowly: its send queue passed LIVE_LIMITS.send_queue_*. */
  slow_consumer: 4008,
  /** Too many frames from the client (rate limit). */
  too_many_requests: 4029,
  /** The gateway is shutting down (reconnect to another replica). */
  going_away: 1001,
} as const;

/** What a client may subscribe to. */
export const LiveTopic = z.enum([
  /** Node lifecycle: registered, online, offline, maintenance started/ended, inventory/labels changed. */
  'fleet',
  /** Every sample batch of the given nodes as it arrives, filtered to `metrics`. */
  'samples',
  /** Alert state changes: pending, firing, resolved. */
  'alerts',
  /** Silences created and expired. */
  'silences',
  /** Notification outcomes: delivered, attempt failed (retrying), failed, given up; test sends. */
  'notifications',
  /** Backup runs: succeeded, failed. */
  'backups',
  /** The audit log as it is written (admins only). */
  'audit',
  /** Maintenance windows scheduled and cancelled (their start and end are times, not events). */
  'maintenance',
]);
export type LiveTopic = z.infer<typeof LiveTopic>;

/** A client's name for one of its subscriptions, echoed on every frame the subscription causes. */
export const LiveSubscriptionId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'must contain only letters, digits, "_", ".", ":" and "-"');

/** Where an event stream was left: the `EVENTS` stream sequence of the last event seen, as a decimal string. */
export const LiveCursor = z.string().regex(/^\d{1,19}$/, 'must be a stream sequence number');

const EventSubscribe = z.object({
  op: z.literal('subscribe'),
  id: LiveSubscriptionId,
  topic: z.enum(['fleet', 'alerts', 'silences', 'notifications', 'backups', 'audit', 'maintenance']),
  /** Resume after this cursor: the events since are replayed first (at most LIVE_LIMITS.resume_events). */
  since: LiveCursor.optional(),
});

const SamplesSubscribe = z.object({
  op: z.literal('subscribe'),
  id: LiveSubscriptionId,
  topic: z.literal('samples'),
  nodes: z.array(NodeId).min(1).max(LIVE_LIMITS.sample_nodes),
  /** Only these metrics of each batch; absent: all of them. */
  metrics: z.array(MetricName).min(1).max(LIVE_LIMITS.sample_metrics).optional(),
});

const Unsubscribe = z.object({ op: z.literal('unsubscribe'), id: LiveSubscriptionId });
/** Application-level ping (browsers cannot send protocol pings): answered with `pong`. */
const Ping = z.object({ op: z.literal('ping'), t: z.number().finite().optional() });

/** A frame from the client. */
export const LiveClientFrame = z.union([EventSubscribe, SamplesSubscribe, Unsubscribe, Ping]);
export type LiveClientFrame = z.infer<typeof LiveClientFrame>;

/** Why a client frame was refused: `field` is the dotted path into the frame (`nodes.3`), absent for the frame itself. */
export interface LiveFrameProblem {
  field?: string;
  message: string;
}

/**
 * A client frame (already parsed from JSON) checked against the schema its `op` (and for a
 * subscription its `topic`) selects, so that a refusal names the field that is wrong rather than
 * "no union member matched".
 */
export function readLiveClientFrame(value: unknown): { frame: LiveClientFrame } | { problem: LiveFrameProblem } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problem: { message: 'a frame must be a JSON object' } };
  const { op, topic } = value as { op?: unknown; topic?: unknown };
  const schema =
    op === 'subscribe'
      ? topic === 'samples'
        ? SamplesSubscribe
        : EventSubscribe
      : op === 'unsubscribe'
        ? Unsubscribe
        : op === 'ping'
          ? Ping
          : undefined;
  if (!schema) return { problem: { field: 'op', message: 'must be "subscribe", "unsubscribe" or "ping"' } };
  const parsed = schema.safeParse(value);
  if (parsed.success) return { frame: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue.path.map(String).join('.');
  return { problem: { ...(field ? { field } : {}), message: issue.message } };
}

/** A domain event as the live API shows it (the envelope without its causation metadata). */
export const LiveEvent = z.object({
  /** The event's type, e.g. `node.offline`, `alert.firing`. */
  type: z.string(),
  /** The aggregate, e.g. `node.web-1`. */
  subject: z.string(),
  occurredAt: z.string(),
  /** Who caused it (`user:<name>`, `key:<id>`, `service:<name>`, `agent:<node>`). */
  actor: z.string(),
  data: z.unknown(),
});
export type LiveEvent = z.infer<typeof LiveEvent>;

/** A frame from the server. */
export const LiveServerFrame = z.discriminatedUnion('type', [
  /** First frame on a socket: who it is, and the limits that apply. */
  z.object({
    type: z.literal('welcome'),
    principal: z.object({ kind: z.enum(['user', 'key']), id: z.string(), role: z.string() }),
    limits: z.object({
      subscriptions: z.number(),
      sample_nodes: z.number(),
      sample_metrics: z.number(),
      ping_ms: z.number(),
    }),
  }),
  /** A subscription is open; `replayed` events since the client's cursor follow first. */
  z.object({ type: z.literal('subscribed'), id: LiveSubscriptionId, replayed: z.number().int().optional() }),
  z.object({ type: z.literal('unsubscribed'), id: LiveSubscriptionId }),
  /** One event of an event topic, with the cursor to resume after it. */
  z.object({ type: z.literal('event'), id: LiveSubscriptionId, cursor: LiveCursor, event: LiveEvent }),
  /** One sample batch of a `samples` subscription (the metrics asked for). */
  z.object({
    type: z.literal('samples'),
    id: LiveSubscriptionId,
    nodeId: NodeId,
    /** The batch's timestamp (ms since the epoch, the agent's clock). */
    timestamp: z.number(),
    samples: z.array(z.object({ name: z.string(), labels: z.record(z.string(), z.string()), value: z.number() })),
  }),
  /**
   * The cursor is too old to resume from (more than LIVE_LIMITS.resume_events behind, or no
   * longer in the stream): reload the list over REST, then subscribe again without `since`.
   */
  z.object({ type: z.literal('reset'), id: LiveSubscriptionId, reason: z.string() }),
  z.object({ type: z.literal('pong'), t: z.number().optional() }),
  /** A refused frame: `field` names what was wrong; the socket stays open. */
  z.object({
    type: z.literal('error'),
    id: LiveSubscriptionId.optional(),
    code: z.enum(['bad_request', 'forbidden', 'limit', 'not_found', 'unavailable']),
    message: z.string(),
    field: z.string().optional(),
  }),
]);
export type LiveServerFrame = z.infer<typeof LiveServerFrame>;
