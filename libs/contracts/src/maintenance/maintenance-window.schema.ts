import * as z from 'zod';
import { IsoTimestamp, Labels, NodeId } from '../common.schema';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';
import { Matchers } from '../alerting/notify-config.schema';
import { LabelMatcher } from '../metrics/metrics.queries';

/**
 * Maintenance windows: from `startsAt` to `endsAt` every node whose registered labels the
 * matchers select is in maintenance, as if put there one by one (its alerts show, nobody is told
 * of them). Event-sourced by registry-svc (`events.maintenance.<id>`): scheduled once, cancelled
 * at most once. Nothing is appended at a window's start or end: whoever needs to know whether a
 * node is in maintenance evaluates the windows against the node's labels and the clock
 * (window-schedule.ts), so a window over 10,000 nodes is one event, and replicas agree.
 */
export const MAINTENANCE_WINDOW_LIMITS = {
  /** Windows scheduled or active at once (not ended, not cancelled). */
  open_windows: 200,
  /** Matchers of one window (as a silence's). */
  matchers: 20,
  /** Longest window. */
  max_duration_ms: 30 * 86_400_000,
  /** How far ahead a window may start. */
  max_lead_ms: 365 * 86_400_000,
  /** Characters of the reason. */
  reason_chars: 500,
  /** Nodes a preview lists (it counts them all). */
  preview_nodes: 100,
  /** Windows one list answers. */
  list_windows: 500,
} as const;

export const MaintenanceWindowId = z.uuid();
const Actor = z.string().min(1).max(256);
const Reason = z.string().trim().min(1, 'say why').max(MAINTENANCE_WINDOW_LIMITS.reason_chars);
/** At least one matcher: a window over the whole fleet must say so (`node=~".+"`). */
const WindowMatchers = Matchers.refine((m) => m.length > 0, 'needs at least one matcher');

export const MaintenanceWindow = z.object({
  id: MaintenanceWindowId,
  reason: Reason,
  matchers: z.array(LabelMatcher).min(1).max(MAINTENANCE_WINDOW_LIMITS.matchers),
  startsAt: IsoTimestamp,
  endsAt: IsoTimestamp,
  createdBy: Actor,
});
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

export const MaintenanceWindowScheduled = defineEvent('maintenance_window.scheduled', {
  version: 1,
  schema: z.object({ window: MaintenanceWindow }),
});
/** Ended (or never to start) from `at` on, by an operator. */
export const MaintenanceWindowCancelled = defineEvent('maintenance_window.cancelled', {
  version: 1,
  schema: z.object({ windowId: MaintenanceWindowId, at: IsoTimestamp }),
});
export type MaintenanceWindowScheduledEvent = EventOf<typeof MaintenanceWindowScheduled>;
export type MaintenanceWindowCancelledEvent = EventOf<typeof MaintenanceWindowCancelled>;
export type MaintenanceWindowEvent = MaintenanceWindowScheduledEvent | MaintenanceWindowCancelledEvent;
export const maintenanceWindowEvents = new EventCatalog<MaintenanceWindowEvent>([
  MaintenanceWindowScheduled,
  MaintenanceWindowCancelled,
]);

/** `startsAt` defaults to now; `endsAt` after it, in the future, at most 30 days later. */
export const CreateMaintenanceWindowRequest = z
  .object({
    matchers: WindowMatchers.refine(
      (m) => m.length <= MAINTENANCE_WINDOW_LIMITS.matchers,
      `at most ${MAINTENANCE_WINDOW_LIMITS.matchers} matchers`,
    ),
    startsAt: IsoTimestamp.optional(),
    endsAt: IsoTimestamp,
    reason: Reason,
    actor: Actor,
  })
  .superRefine((r, ctx) => {
    const now = Date.now();
    const starts = r.startsAt === undefined ? now : Date.parse(r.startsAt);
    const ends = Date.parse(r.endsAt);
    if (ends <= now) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be in the future' });
    else if (ends <= starts) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
    else if (ends - starts > MAINTENANCE_WINDOW_LIMITS.max_duration_ms)
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'a window lasts at most 30 days' });
    if (starts - now > MAINTENANCE_WINDOW_LIMITS.max_lead_ms)
      ctx.addIssue({ code: 'custom', path: ['startsAt'], message: 'must be within a year' });
  });
export type CreateMaintenanceWindowRequest = z.input<typeof CreateMaintenanceWindowRequest>;

export const CancelMaintenanceWindowRequest = z.object({ windowId: MaintenanceWindowId, actor: Actor });

export const MaintenanceWindowState = z.enum(['scheduled', 'active', 'ended', 'cancelled']);
export type MaintenanceWindowState = z.infer<typeof MaintenanceWindowState>;

export const MaintenanceWindowView = MaintenanceWindow.extend({
  state: MaintenanceWindowState,
  createdAt: IsoTimestamp,
  cancelledAt: IsoTimestamp.optional(),
  cancelledBy: Actor.optional(),
  /** Registered nodes its matchers select (those registered after it ended are not counted). */
  nodes: z.number().int().nonnegative(),
});
export type MaintenanceWindowView = z.infer<typeof MaintenanceWindowView>;

/** `open`: scheduled and active ones; `past`: ended and cancelled ones. */
export const ListMaintenanceWindowsRequest = z.object({
  state: z.enum(['open', 'past']).optional(),
  limit: z.coerce.number().int().min(1).max(MAINTENANCE_WINDOW_LIMITS.list_windows).default(100),
});
export const MaintenanceWindowListReply = z.object({ windows: z.array(MaintenanceWindowView) });
export type MaintenanceWindowListReply = z.infer<typeof MaintenanceWindowListReply>;

/** The nodes a window with these matchers would put in maintenance now. */
export const PreviewMaintenanceWindowRequest = z.object({
  matchers: WindowMatchers.refine(
    (m) => m.length <= MAINTENANCE_WINDOW_LIMITS.matchers,
    `at most ${MAINTENANCE_WINDOW_LIMITS.matchers} matchers`,
  ),
  limit: z.coerce.number().int().min(1).max(MAINTENANCE_WINDOW_LIMITS.preview_nodes).default(20),
});
export type PreviewMaintenanceWindowRequest = z.input<typeof PreviewMaintenanceWindowRequest>;
export const PreviewMaintenanceWindowReply = z.object({
  total: z.number().int().nonnegative(),
  nodes: z.array(z.object({ id: NodeId, hostname: z.string(), labels: Labels })),
});
export type PreviewMaintenanceWindowReply = z.infer<typeof PreviewMaintenanceWindowReply>;

/** Request/reply operations of the maintenance windows (registry-svc answers, `*.registry.*`). */
export const maintenanceWindowOperations = {
  create: {
    kind: 'cmd',
    context: 'registry',
    what: 'maintenance-window-create',
    request: CreateMaintenanceWindowRequest,
    reply: MaintenanceWindowView,
  },
  cancel: {
    kind: 'cmd',
    context: 'registry',
    what: 'maintenance-window-cancel',
    request: CancelMaintenanceWindowRequest,
    reply: MaintenanceWindowView,
  },
  list: {
    kind: 'qry',
    context: 'registry',
    what: 'maintenance-windows-list',
    request: ListMaintenanceWindowsRequest,
    reply: MaintenanceWindowListReply,
  },
  preview: {
    kind: 'qry',
    context: 'registry',
    what: 'maintenance-window-preview',
    request: PreviewMaintenanceWindowRequest,
    reply: PreviewMaintenanceWindowReply,
  },
} as const;
