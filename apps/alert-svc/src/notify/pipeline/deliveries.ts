import type { Database } from '@vigil/platform';
import type { Logger } from '@vigil/telemetry';
import type { Notification, Notifier, NotifyResult } from '../notification';
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

interface Row {
  id: string;
  receiver: string;
  group_key: string;
  payload: Notification;
  attempts: number;
  created_at: Date;
}

export interface DeliveriesDeps {
  db: Database;
  notifier: (receiver: string) => Notifier | undefined;
  logger: Logger;
  metrics: NotifyMetrics;
  policy?: DeliveryPolicy;
  /** How often recorded notifications that are due (retries, and what a crash left) are looked for. */
  pollMs?: number;
  /** How many requests at once. */
  concurrency?: number;
  /** Delivered and failed notifications (and alert history) older than this are deleted. */
  retentionMs?: number;
}

/**
 * The durable half of the pipeline. A notification is recorded (`alerting.notifications`)
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
    const values: unknown[] = [];
    const rows = outgoing.map((o, i) => {
      const n = o.notification;
      const at = new Date(o.createdAt);
      values.push(n.id, n.receiver, n.groupKey, n.status, o.firing, JSON.stringify(n), at);
      const p = i * 7;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, 'pending', $${p + 7}, $${p + 7}, $${p + 7})`;
    });
    // The outer SELECT sees the table as before the INSERT: the notifications pending already.
    const heads = await this.deps.db.query<{ id: string }>(
      'notifications_record',
      `WITH recorded AS (
         INSERT INTO alerting.notifications (id, receiver, group_key, status, firing, payload, state, next_attempt_at, created_at, updated_at)
         VALUES ${rows.join(', ')}
         RETURNING id, group_key, created_at
       )
       SELECT r.id FROM recorded r
        WHERE NOT EXISTS (SELECT 1 FROM alerting.notifications p WHERE p.state = 'pending' AND p.group_key = r.group_key
                            AND (p.created_at, p.id) < (r.created_at, r.id))`,
      values,
    );
    const sendNow = new Set(heads.map((h) => h.id));
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

  /** Notifications recorded and not yet delivered or given up. */
  async pendingCount(): Promise<number> {
    const [row] = await this.deps.db.query<{ n: string }>(
      'notifications_pending',
      "SELECT count(*) AS n FROM alerting.notifications WHERE state = 'pending'",
    );
    return Number(row.n);
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
    // The oldest pending notification of each group, once it is due.
    const rows = await this.deps.db.query<Row>(
      'notifications_due',
      `SELECT n.id, n.receiver, n.group_key, n.payload, n.attempts, n.created_at FROM alerting.notifications n
       WHERE n.state = 'pending' AND n.next_attempt_at <= $1
         AND NOT EXISTS (SELECT 1 FROM alerting.notifications p WHERE p.state = 'pending' AND p.group_key = n.group_key
                           AND (p.created_at, p.id) < (n.created_at, n.id))
       ORDER BY n.next_attempt_at LIMIT $2`,
      [new Date(), free + this.inFlight.size],
    );
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
    await this.deps.db.query(
      'notifications_expire',
      "DELETE FROM alerting.notifications WHERE state <> 'pending' AND created_at < $1",
      [before],
    );
    // The alert history keeps as long as the notification history.
    await this.deps.db.query('alert_history_expire', 'DELETE FROM alerting.alert_history WHERE at < $1', [before]);
    await this.deps.db.query(
      'alerts_expire',
      "DELETE FROM alerting.alerts WHERE state = 'resolved' AND resolved_at < $1",
      [before],
    );
  }

  private launch(row: Row): void {
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

  private async deliver(row: Row): Promise<void> {
    const { db, metrics, logger } = this.deps;
    const attempt = row.attempts + 1;
    // Begin the attempt, unless another process took it meanwhile (the attempt count moved).
    const begun = await db.query<{ id: string }>(
      'notifications_attempt_begin',
      `WITH n AS (
         UPDATE alerting.notifications SET attempts = $2, updated_at = $3 WHERE id = $1 AND state = 'pending' AND attempts = $2 - 1 RETURNING id
       )
       INSERT INTO alerting.notification_attempts (notification_id, attempt, started_at) SELECT id, $2, $3 FROM n RETURNING notification_id AS id`,
      [row.id, attempt, new Date()],
    );
    if (begun.length === 0) return;

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
    await db.query(
      'notifications_attempt_end',
      `WITH a AS (
         UPDATE alerting.notification_attempts SET finished_at = $3, ok = $4, status = $5, error = $6 WHERE notification_id = $1 AND attempt = $2
       )
       UPDATE alerting.notifications SET state = $7, last_status = $5, last_error = $6, updated_at = $3,
         delivered_at = CASE WHEN $4 THEN $3 ELSE delivered_at END, next_attempt_at = $8
       WHERE id = $1`,
      [row.id, attempt, new Date(now), result.ok, result.status ?? null, error, state, new Date(now + delay)],
    );
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
