import * as z from 'zod';
import { IsoTimestamp, Labels } from '../common.schema';
import { RuleId } from './rule.schema';

/** The alerts, their history and the notifications sent (for the gateway and the dashboard). */
const Fingerprint = z.string().regex(/^[0-9a-f]{16}$/, 'must be an alert fingerprint');
const Limit = z.number().int().min(1).max(1000).default(100);
const Actor = z.string().min(1).max(256);
/** A node id as a filter (what NodeId allows, at most its 128 characters; any text finds nothing). */
const NodeFilter = z.string().min(1).max(128);
/** A receiver's name as a filter (names are at most 64 characters). */
const ReceiverFilter = z.string().min(1).max(64);

/** A time range; `since` before `until`. */
const range = {
  since: IsoTimestamp.optional(),
  until: IsoTimestamp.optional(),
};
const ordered = (r: { since?: string; until?: string }) =>
  !r.since || !r.until || Date.parse(r.since) < Date.parse(r.until);
const orderedIssue = { message: 'since must be before until', path: ['since'] };

export const AlertState = z.enum(['pending', 'firing', 'resolved']);
export const AlertView = z.object({
  fingerprint: Fingerprint,
  ruleId: RuleId,
  state: AlertState,
  labels: Labels,
  annotations: z.record(z.string(), z.string()),
  activeAt: IsoTimestamp,
  firedAt: IsoTimestamp.optional(),
  resolvedAt: IsoTimestamp.optional(),
  value: z.number().optional(),
  /** Active silences matching it. */
  silencedBy: z.array(z.uuid()),
});
export type AlertView = z.infer<typeof AlertView>;

/** Current alerts: pending and firing by default (`resolved` for the recently resolved). */
export const ListAlertsRequest = z.object({
  state: z.array(AlertState).min(1).max(3).default(['pending', 'firing']),
  node: NodeFilter.optional(),
  ruleId: RuleId.optional(),
  limit: Limit,
});
export const AlertListReply = z.object({ alerts: z.array(AlertView) });
export type AlertListReply = z.infer<typeof AlertListReply>;

export const AlertHistoryRequest = z
  .object({
    fingerprint: Fingerprint.optional(),
    ruleId: RuleId.optional(),
    node: NodeFilter.optional(),
    ...range,
    limit: Limit,
  })
  .refine(ordered, orderedIssue);
export const AlertHistoryEntry = z.object({
  seq: z.number().int(),
  type: z.enum(['alert.pending', 'alert.firing', 'alert.resolved']),
  fingerprint: Fingerprint,
  ruleId: RuleId,
  labels: Labels,
  at: IsoTimestamp,
  value: z.number().optional(),
  reason: z.string().optional(),
});
export type AlertHistoryEntry = z.infer<typeof AlertHistoryEntry>;
export const AlertHistoryReply = z.object({ events: z.array(AlertHistoryEntry) });
export type AlertHistoryReply = z.infer<typeof AlertHistoryReply>;

export const NotificationState = z.enum(['pending', 'delivered', 'failed']);
export const ListNotificationsRequest = z
  .object({
    receiver: ReceiverFilter.optional(),
    state: NotificationState.optional(),
    fingerprint: Fingerprint.optional(),
    groupKey: z.string().min(1).max(512).optional(),
    ...range,
    /** The next page: the notifications after (older than) this one, as the list orders them. */
    before: z.uuid().optional(),
    limit: Limit,
  })
  .refine(ordered, orderedIssue);
export const NotificationView = z.object({
  id: z.uuid(),
  receiver: z.string(),
  groupKey: z.string(),
  status: z.enum(['firing', 'resolved']),
  state: NotificationState,
  attempts: z.number().int(),
  lastStatus: z.number().int().optional(),
  lastError: z.string().optional(),
  createdAt: IsoTimestamp,
  deliveredAt: IsoTimestamp.optional(),
  alerts: z.array(z.object({ fingerprint: z.string(), status: z.enum(['firing', 'resolved']), labels: Labels })),
});
export type NotificationView = z.infer<typeof NotificationView>;
export const NotificationListReply = z.object({ notifications: z.array(NotificationView) });
export type NotificationListReply = z.infer<typeof NotificationListReply>;

/** A label matcher of the routing tree as the API shows it. */
const RouteMatcherView = z.object({ label: z.string(), op: z.enum(['=', '!=', '=~', '!~']), value: z.string() });

/** One node of the routing tree (read-only; the config file is the source). Times in ms. */
export interface RouteView {
  receiver?: string;
  matchers: { label: string; op: '=' | '!=' | '=~' | '!~'; value: string }[];
  continue: boolean;
  groupBy?: string[];
  groupWaitMs?: number;
  groupIntervalMs?: number;
  repeatIntervalMs?: number;
  muted?: boolean;
  routes: RouteView[];
}
export const RouteView: z.ZodType<RouteView> = z.lazy(() =>
  z.object({
    receiver: z.string().optional(),
    matchers: z.array(RouteMatcherView),
    continue: z.boolean(),
    groupBy: z.array(z.string()).optional(),
    groupWaitMs: z.number().int().optional(),
    groupIntervalMs: z.number().int().optional(),
    repeatIntervalMs: z.number().int().optional(),
    muted: z.boolean().optional(),
    routes: z.array(RouteView),
  }),
);
/** The routing tree (absent: no route configured, nothing is sent) and the inhibition rules. */
export const RoutingReply = z.object({
  route: RouteView.optional(),
  inhibitRules: z.array(
    z.object({ source: z.array(RouteMatcherView), target: z.array(RouteMatcherView), equal: z.array(z.string()) }),
  ),
});
export type RoutingReply = z.infer<typeof RoutingReply>;

export const ReceiverListReply = z.object({ receivers: z.array(z.object({ name: z.string(), type: z.string() })) });
export const TestReceiverRequest = z.object({ receiver: ReceiverFilter, actor: Actor });
export const TestReceiverReply = z.object({
  ok: z.boolean(),
  status: z.number().int().optional(),
  error: z.string().optional(),
});
export type TestReceiverReply = z.infer<typeof TestReceiverReply>;

export const notifyOperations = {
  alerts: { kind: 'qry', context: 'alerting', what: 'alerts-list', request: ListAlertsRequest, reply: AlertListReply },
  history: {
    kind: 'qry',
    context: 'alerting',
    what: 'alerts-history',
    request: AlertHistoryRequest,
    reply: AlertHistoryReply,
  },
  notifications: {
    kind: 'qry',
    context: 'alerting',
    what: 'notifications-list',
    request: ListNotificationsRequest,
    reply: NotificationListReply,
  },
  receivers: {
    kind: 'qry',
    context: 'alerting',
    what: 'receivers-list',
    request: z.object({}),
    reply: ReceiverListReply,
  },
  routing: {
    kind: 'qry',
    context: 'alerting',
    what: 'routing-show',
    request: z.object({}),
    reply: RoutingReply,
  },
  testReceiver: {
    kind: 'cmd',
    context: 'alerting',
    what: 'receiver-test',
    request: TestReceiverRequest,
    reply: TestReceiverReply,
  },
} as const;
