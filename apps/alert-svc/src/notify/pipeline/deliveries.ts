import type { Logger } from '@vigil/telemetry';
import type { Notifier, NotifyResult } from '../notification';
import type { NotificationLog, PendingNotification } from '../notification-log';
import type { AttemptEnd } from '../notification-outcomes';
import type { Outgoing } from './aggregator';
import type { NotifyMetrics } from './notify.metrics';

export interface DeliveryPolicy {
  /** The first retry waits about this long; each next one twice as long (with jitter). */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A notification not delivered this long after it was recorded is given up. */
  maxAgeMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  initialBackoffMs: 1000,
  maxBackoffMs: 5 * 60_000,
  maxAgeMs: 60 * 60_000,
};

/**
 * How long before attempt `attempt + 1`: exponential from `initialBackoffMs`, capped, with jitter
 * (between half and all of it, so receivers that failed together do not retry together); never
 * sooner than the provider's Retry-After.
 */
export function retryDelayMs(
  attempt: number,
  policy: DeliveryPolicy,
  result: NotifyResult,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exp * (0.5 + random() / 2));
  return Math.max(jittered, result.retryAfterMs ?? 0);
}

export interface DeliveriesDeps {
  log: NotificationLog;
  notifier: (receiver: string) => Notifier | undefined;
  logger: Logger;
  metrics: NotifyMetrics;
  policy?: DeliveryPolicy;
  /** How often recorded notifications that are due (retries, and what a crash left) are looked for. */
  pollMs?: number;
  /** How many requests at once. */
  concurrency?: number;
  /** Delivered and failed notifications older than this are deleted. */
  retentionMs?: number;
  /** Told of each attempt's outcome once the log has it (the outcome events). */
  onAttemptEnded?: (end: AttemptEnd) => Promise<void>;
  /** Runs with each deletion of old notifications, with the same cutoff: other histories kept as long. */
  expireAlongside?: (before: Date) => Promise<void>;
}

/**
 * The durable half of the pipeline. A notification is recorded (the `NotificationLog`)
 * before anything is sent; each attempt is recorded as begun before its request and with its
 * outcome after. After a crash, what was recorded and not recorded delivered is sent again
 * with the same id (the receivers' idempotency key); what was recorded delivered is not. The
 * notifications of one group go out in the order they were recorded.
 */
export class Deliveries {
  private readonly policy: DeliveryPolicy;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Groups with a notification being sent by this process. */
  private readonly busyGroups = new Set<string>();
  private readonly abort = new AbortController();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private lastCleanup = 0;
  private stopped = false;

  constructor(private readonly deps: DeliveriesDeps) {
    this.policy = deps.policy ?? DEFAULT_DELIVERY_POLICY;
  }

  start(): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.deps.pollMs ?? 500);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.abort.abort();
    await this.polling;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /**
   * Records the notifications (one statement), then sends at once each one that heads its
   * group: one with an older notification of its group still pending (in flight here or in
   * another process, or waiting for a retry) waits for it, and poll sends it after.
   */
  async record(outgoing: readonly Outgoing[]): Promise<void> {
    if (outgoing.length === 0) return;
    const sendNow = await this.deps.log.record(outgoing);
    for (const o of outgoing) {
      this.deps.metrics.recorded.inc({ receiver: o.notification.receiver, status: o.notification.status });
      const n = o.notification;
      // Within this batch, the group's first one is sent; the next wait for it (busyGroups).
      if (sendNow.has(n.id) && !this.busyGroups.has(n.groupKey)) {
        this.launch({
          id: n.id,
          receiver: n.receiver,
          group_key: n.groupKey,
          payload: n,
          attempts: 0,
          created_at: new Date(o.createdAt),
        });
      }
    }
  }

  private poll(): void {
    if (this.polling || this.stopped) return;
    this.polling = this.due()
      .catch((e: unknown) => this.deps.logger.error({ err: e }, 'looking for due notifications failed'))
      .finally(() => (this.polling = undefined));
  }

  private async due(): Promise<void> {
    const free = (this.deps.concurrency ?? 8) - this.inFlight.size;
    if (free <= 0) return;
    const rows = await this.deps.log.due(new Date(), free + this.inFlight.size);
    for (const row of rows) {
      if (this.stopped || this.inFlight.size >= (this.deps.concurrency ?? 8)) break;
      if (!this.inFlight.has(row.id) && !this.busyGroups.has(row.group_key)) this.launch(row);
    }
    if (Date.now() - this.lastCleanup > 3_600_000) {
      this.lastCleanup = Date.now();
      await this.cleanup();
    }
  }

  private async cleanup(): Promise<void> {
    const retention = this.deps.retentionMs ?? 30 * 86_400_000;
    const before = new Date(Date.now() - retention);
    await this.deps.log.expire(before);
    await this.deps.expireAlongside?.(before);
  }

  private launch(row: PendingNotification): void {
    this.busyGroups.add(row.group_key);
    const p = this.deliver(row)
      .catch((e: unknown) =>
        this.deps.logger.error({ err: e, notification: row.id, receiver: row.receiver }, 'recording a delivery failed'),
      )
      .finally(() => {
        this.inFlight.delete(row.id);
        this.busyGroups.delete(row.group_key);
      });
    this.inFlight.set(row.id, p);
  }

  private async deliver(row: PendingNotification): Promise<void> {
    const { log, metrics, logger } = this.deps;
    const attempt = row.attempts + 1;
    if (!(await log.beginAttempt(row.id, attempt, new Date()))) return;

    const notifier = this.deps.notifier(row.receiver);
    const started = performance.now();
    let result: NotifyResult;
    if (!notifier) result = { ok: false, retry: false, error: `receiver "${row.receiver}" is not configured` };
    else {
      try {
        result = await notifier.notify(row.payload, this.abort.signal);
      } catch (e) {
        result = { ok: false, retry: true, error: `notifier failed: ${(e as Error).name}` };
      }
    }
    if (this.stopped && !result.ok) return; // Cancelled by the shutdown: the next process sends it.
    const seconds = (performance.now() - started) / 1000;
    metrics.attemptDuration.observe(
      { receiver: row.receiver, result: result.ok ? 'ok' : result.retry ? 'retry' : 'error' },
      seconds,
    );

    const now = Date.now();
    const age = now - row.created_at.getTime();
    const delay = result.ok ? 0 : retryDelayMs(attempt, this.policy, result);
    const giveUp = !result.ok && (!result.retry || age + delay > this.policy.maxAgeMs);
    const state = result.ok ? 'delivered' : giveUp ? 'failed' : 'pending';
    const error = result.ok
      ? null
      : giveUp && result.retry
        ? `${result.error ?? 'failed'} (gave up after ${attempt} attempts)`
        : (result.error ?? 'failed');
    const nextAttemptAt = new Date(now + delay);
    await log.endAttempt(row.id, attempt, {
      at: new Date(now),
      ok: result.ok,
      status: result.status ?? null,
      error,
      state,
      nextAttemptAt,
    });
    await this.deps.onAttemptEnded?.({ notification: row.payload, attempt, result, state, error, nextAttemptAt });
    metrics.attempts.inc({ receiver: row.receiver, result: result.ok ? 'ok' : result.retry ? 'retry' : 'error' });
    if (state !== 'pending') metrics.outcomes.inc({ receiver: row.receiver, outcome: state });
    const fields = {
      notification: row.id,
      receiver: row.receiver,
      group: row.group_key,
      attempt,
      status: result.status,
    };
    if (result.ok) logger.info({ ...fields, ms: Math.round(seconds * 1000) }, 'notification delivered');
    else if (giveUp) logger.error({ ...fields, error }, 'notification not delivered');
    else logger.warn({ ...fields, error, retryInMs: delay }, 'notification attempt failed; will retry');
  }
}
