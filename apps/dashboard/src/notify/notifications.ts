import type { LiveEvent } from '../api/types';
import type { NotificationFilters } from '../app/routes';
import type { MessageKey } from '../i18n/messages';
import type { NotificationView } from './types';

/** Notifications one page shows. */
export const PAGE_SIZE = 50;

export const NOTIFICATION_STATE_KEY: Record<NotificationView['state'], MessageKey> = {
  pending: 'notifications.state.pending',
  delivered: 'notifications.state.delivered',
  failed: 'notifications.state.failed',
};

/** The outcome an event of the `notifications` topic tells of one notification (test sends excluded). */
export interface Outcome {
  type: 'notification.delivered' | 'notification.attempt_failed' | 'notification.failed' | 'notification.given_up';
  notificationId: string;
  receiver: string;
  fingerprints: string[];
  attempt: number;
  httpStatus?: number;
  error?: string;
}

const OUTCOME_TYPES = new Set<string>([
  'notification.delivered',
  'notification.attempt_failed',
  'notification.failed',
  'notification.given_up',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The outcome in a live event, checked field by field (the frame reader checks only the envelope). */
export function outcomeOf(event: LiveEvent): Outcome | undefined {
  if (!OUTCOME_TYPES.has(event.type) || !isObj(event.data)) return undefined;
  const d = event.data;
  if (typeof d.notificationId !== 'string' || typeof d.receiver !== 'string' || typeof d.attempt !== 'number')
    return undefined;
  if (!Array.isArray(d.fingerprints) || !d.fingerprints.every((f) => typeof f === 'string')) return undefined;
  return {
    type: event.type as Outcome['type'],
    notificationId: d.notificationId,
    receiver: d.receiver,
    fingerprints: d.fingerprints as string[],
    attempt: d.attempt,
    ...(typeof d.httpStatus === 'number' ? { httpStatus: d.httpStatus } : {}),
    ...(typeof d.error === 'string' ? { error: d.error } : {}),
  };
}

/** The state a notification is in after this outcome. */
export const stateAfter = (o: Outcome): NotificationView['state'] =>
  o.type === 'notification.delivered' ? 'delivered' : o.type === 'notification.attempt_failed' ? 'pending' : 'failed';

/** Whether a notification with this outcome belongs on a list with these filters. */
export function outcomeMatches(o: Outcome, f: NotificationFilters): boolean {
  if (f.receiver && o.receiver !== f.receiver) return false;
  if (f.state && stateAfter(o) !== f.state) return false;
  if (f.alert && !o.fingerprints.includes(f.alert)) return false;
  return true;
}

/**
 * Applies an outcome to the page shown: a notification on it takes its new state, attempts and
 * last answer (an older attempt's outcome arriving late is ignored); one that no longer matches
 * the state filter leaves it. `reload`: the outcome is of a notification the page does not hold
 * but should (the newest page only): read the page again.
 */
export function applyOutcome(
  list: readonly NotificationView[],
  o: Outcome,
  f: NotificationFilters,
  at: string,
): { list: NotificationView[]; changed: boolean; reload: boolean } {
  const i = list.findIndex((n) => n.id === o.notificationId);
  if (i < 0) return { list: [...list], changed: false, reload: f.before === undefined && outcomeMatches(o, f) };
  const old = list[i];
  if (o.attempt < old.attempts) return { list: [...list], changed: false, reload: false };
  const next: NotificationView = {
    ...old,
    state: stateAfter(o),
    attempts: o.attempt,
    ...(o.httpStatus === undefined ? {} : { lastStatus: o.httpStatus }),
    ...(o.type === 'notification.delivered' ? { deliveredAt: at } : {}),
  };
  if (o.type === 'notification.delivered') delete next.lastError;
  else if (o.error) next.lastError = o.error;
  const out = [...list];
  if (f.state && next.state !== f.state) out.splice(i, 1);
  else out[i] = next;
  return { list: out, changed: true, reload: false };
}

/** The query of one page of the list (`GET /api/v1/alerts/notifications`). */
export function listQuery(f: NotificationFilters): Record<string, string | number | undefined> {
  return {
    receiver: f.receiver,
    state: f.state,
    fingerprint: f.alert,
    before: f.before,
    limit: PAGE_SIZE,
  };
}
