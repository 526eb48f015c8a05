import * as z from 'zod';
import { IsoTimestamp } from '../common.schema';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';

/**
 * How each delivery attempt of a notification ended, on `events.notification.<notification id>`.
 * The notification log (`alerting.notifications`, `alerting.notification_attempts`) stays the
 * delivery outbox that decides what is sent again; these events are the outcomes it recorded, for
 * readers that follow the bus (the live API's `notifications` topic). `error` is the receiver's
 * summary with URLs cut to scheme and host (what the log keeps), never a secret, at most 500
 * characters.
 */
const NOTIFICATION_ERROR_CHARS = 500;
const MAX_FINGERPRINTS = 100;

const Outcome = {
  notificationId: z.uuid(),
  receiver: z.string().min(1).max(64),
  /** The receiver's kind (`webhook`, `wecom`, ...). */
  receiverType: z.string().min(1).max(32),
  groupKey: z.string().min(1).max(512),
  /** Whether the notification tells of firing alerts or only resolved ones. */
  status: z.enum(['firing', 'resolved']),
  /** The alerts it tells of (the first 100). */
  fingerprints: z.array(z.string().regex(/^[0-9a-f]{16}$/)).max(MAX_FINGERPRINTS),
  alertCount: z.number().int().min(0),
  /** 1 for the first attempt. */
  attempt: z.number().int().min(1),
  /** HTTP status (or SMTP code) of the answer, when there was one. */
  httpStatus: z.number().int().optional(),
};
const ErrorSummary = z.string().min(1).max(NOTIFICATION_ERROR_CHARS);

/** The receiver took it. */
export const NotificationDelivered = defineEvent('notification.delivered', {
  version: 1,
  schema: z.object(Outcome),
});

/** The attempt failed and will be retried at `nextAttemptAt`. */
export const NotificationAttemptFailed = defineEvent('notification.attempt_failed', {
  version: 1,
  schema: z.object({ ...Outcome, error: ErrorSummary, nextAttemptAt: IsoTimestamp }),
});

/** The receiver refused it for good (a 4xx other than 408/429, a receiver not configured): not retried. */
export const NotificationFailed = defineEvent('notification.failed', {
  version: 1,
  schema: z.object({ ...Outcome, error: ErrorSummary }),
});

/** Still undelivered when its retries ran out (`VIGIL_ALERT_DELIVERY_MAX_AGE_MS`): given up. */
export const NotificationGivenUp = defineEvent('notification.given_up', {
  version: 1,
  schema: z.object({ ...Outcome, error: ErrorSummary }),
});

/** Someone sent a receiver the test notification (`POST /api/v1/alerts/receivers/<name>/test`); `actor` in the meta. */
export const NotificationTested = defineEvent('notification.tested', {
  version: 1,
  schema: z.object({
    receiver: z.string().min(1).max(64),
    receiverType: z.string().min(1).max(32),
    ok: z.boolean(),
    httpStatus: z.number().int().optional(),
    error: ErrorSummary.optional(),
  }),
});

export type NotificationDeliveredEvent = EventOf<typeof NotificationDelivered>;
export type NotificationAttemptFailedEvent = EventOf<typeof NotificationAttemptFailed>;
export type NotificationFailedEvent = EventOf<typeof NotificationFailed>;
export type NotificationGivenUpEvent = EventOf<typeof NotificationGivenUp>;
export type NotificationTestedEvent = EventOf<typeof NotificationTested>;
export type NotificationEvent =
  | NotificationDeliveredEvent
  | NotificationAttemptFailedEvent
  | NotificationFailedEvent
  | NotificationGivenUpEvent
  | NotificationTestedEvent;

export const notificationEvents = new EventCatalog<NotificationEvent>([
  NotificationDelivered,
  NotificationAttemptFailed,
  NotificationFailed,
  NotificationGivenUp,
  NotificationTested,
]);

/** An error summary as the events carry it: at most 500 characters (cut with `…`). */
export function notificationErrorSummary(error: string): string {
  return error.length <= NOTIFICATION_ERROR_CHARS ? error : `${error.slice(0, NOTIFICATION_ERROR_CHARS - 1)}…`;
}

/** The fingerprints an outcome event names: the first 100. */
export function notificationFingerprints(fingerprints: readonly string[]): string[] {
  return fingerprints.slice(0, MAX_FINGERPRINTS);
}
