import { Injectable } from '@nestjs/common';
import {
  type NotificationEvent,
  notificationErrorSummary,
  notificationEvents,
  notificationFingerprints,
  uuidv7,
} from '@vigil/contracts';
import { commandMeta, EventStore, type NewEvent } from '@vigil/event-store';
import { Bus, Observability } from '@vigil/platform';
import type { Notification, NotifyResult } from './notification';
import { Receivers } from './pipeline/receivers';

/** How one attempt ended, as the deliveries decided it. */
export interface AttemptEnd {
  notification: Notification;
  attempt: number;
  result: NotifyResult;
  /** `pending`: it will be tried again at `nextAttemptAt`. */
  state: 'pending' | 'delivered' | 'failed';
  /** The error as the log keeps it (with "gave up after N attempts" when the retries ran out). */
  error: string | null;
  nextAttemptAt: Date;
}

/** The outcome event of one attempt (pure: the deliveries' decision, as a fact). */
export function attemptOutcomeEvent(end: AttemptEnd, receiverType: string): NewEvent<NotificationEvent> {
  const n = end.notification;
  const base = {
    notificationId: n.id,
    receiver: n.receiver,
    receiverType,
    groupKey: n.groupKey,
    status: n.status,
    fingerprints: notificationFingerprints(n.alerts.map((a) => a.fingerprint)),
    alertCount: n.alerts.length,
    attempt: end.attempt,
    ...(end.result.status === undefined ? {} : { httpStatus: end.result.status }),
  };
  const error = notificationErrorSummary(end.error ?? end.result.error ?? 'failed');
  if (end.state === 'delivered') return { type: 'notification.delivered', data: base };
  if (end.state === 'pending')
    return {
      type: 'notification.attempt_failed',
      data: { ...base, error, nextAttemptAt: end.nextAttemptAt.toISOString() },
    };
  // Failed: refused for good (not retryable), or its retries ran out.
  return end.result.retry
    ? { type: 'notification.given_up', data: { ...base, error } }
    : { type: 'notification.failed', data: { ...base, error } };
}

/**
 * Appends the notification outcome events (`events.notification.<id>`), as `service:alert-svc`
 * for deliveries and as the caller for test sends. An append that fails is logged and not
 * retried: the notification log, written before, still has the outcome (REST reads it), and a
 * live reader that missed the event reads the list again.
 */
@Injectable()
export class NotificationOutcomes {
  private readonly store: EventStore<NotificationEvent>;

  constructor(
    bus: Bus,
    private readonly obs: Observability,
    private readonly receivers: Receivers,
  ) {
    this.store = new EventStore(bus.js, bus.jsm, bus.topology, 'notification', notificationEvents);
  }

  async attemptEnded(end: AttemptEnd): Promise<void> {
    const type = this.receivers.typeOf(end.notification.receiver) ?? 'unknown';
    await this.append(end.notification.id, attemptOutcomeEvent(end, type), 'service:alert-svc');
  }

  async tested(receiver: string, result: NotifyResult, actor: string): Promise<void> {
    const receiverType = this.receivers.typeOf(receiver) ?? 'unknown';
    await this.append(
      uuidv7(),
      {
        type: 'notification.tested',
        data: {
          receiver,
          receiverType,
          ok: result.ok,
          ...(result.status === undefined ? {} : { httpStatus: result.status }),
          ...(result.ok || !result.error ? {} : { error: notificationErrorSummary(result.error) }),
        },
      },
      actor,
    );
  }

  private async append(id: string, event: NewEvent<NotificationEvent>, actor: string): Promise<void> {
    try {
      await this.store.append(id, [event], 'any', commandMeta(actor));
    } catch (e) {
      this.obs.logger.error({ err: e, notification: id, type: event.type }, 'appending a notification outcome failed');
    }
  }
}
