import { Injectable } from '@nestjs/common';
import type { ListNotificationsRequest, NotificationListReply, z } from '@vigil/contracts';
import { Database } from '@vigil/platform';
import type { Notification } from './notification';
import type { Outgoing } from './pipeline/aggregator';

/** A pending notification as the deliveries send it. */
export interface PendingNotification {
  id: string;
  receiver: string;
  group_key: string;
  payload: Notification;
  attempts: number;
  created_at: Date;
}

/** How an attempt ended, and so what the notification is now. */
export interface AttemptOutcome {
  at: Date;
  ok: boolean;
  status: number | null;
  error: string | null;
  state: 'pending' | 'delivered' | 'failed';
  nextAttemptAt: Date;
}

/** The last notification of a group: what the group was last told. */
export interface LastNotification {
  group_key: string;
  firing: string[];
  created_at: Date;
  payload: Notification;
}

/**
 * The notification log (`alerting.notifications` and `alerting.notification_attempts`): the
 * only code that reads or writes those tables.
 */
@Injectable()
export class NotificationLog {
  constructor(private readonly db: Database) {}

  /**
   * Records the notifications (one statement); returns those that head their group, i.e. with
   * no older notification of their group pending.
   */
  async record(outgoing: readonly Outgoing[]): Promise<Set<string>> {
    const values: unknown[] = [];
    const rows = outgoing.map((o, i) => {
      const n = o.notification;
      const at = new Date(o.createdAt);
      values.push(n.id, n.receiver, n.groupKey, n.status, o.firing, JSON.stringify(n), at);
      const p = i * 7;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, 'pending', $${p + 7}, $${p + 7}, $${p + 7})`;
    });
    // The outer SELECT sees the table as before the INSERT: the notifications pending already.
    const heads = await this.db.query<{ id: string }>(
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
    return new Set(heads.map((h) => h.id));
  }

  /** The oldest pending notification of each group, once it is due at `now`; the soonest due first. */
  async due(now: Date, limit: number): Promise<PendingNotification[]> {
    return this.db.query<PendingNotification>(
      'notifications_due',
      `SELECT n.id, n.receiver, n.group_key, n.payload, n.attempts, n.created_at FROM alerting.notifications n
       WHERE n.state = 'pending' AND n.next_attempt_at <= $1
         AND NOT EXISTS (SELECT 1 FROM alerting.notifications p WHERE p.state = 'pending' AND p.group_key = n.group_key
                           AND (p.created_at, p.id) < (n.created_at, n.id))
       ORDER BY n.next_attempt_at LIMIT $2`,
      [now, limit],
    );
  }

  /** Notifications recorded and not yet delivered or given up. */
  async pendingCount(): Promise<number> {
    const [row] = await this.db.query<{ n: string }>(
      'notifications_pending',
      "SELECT count(*) AS n FROM alerting.notifications WHERE state = 'pending'",
    );
    return Number(row.n);
  }

  /** Begins attempt `attempt`, unless another process took it meanwhile (the attempt count moved): whether it did. */
  async beginAttempt(id: string, attempt: number, at: Date): Promise<boolean> {
    const begun = await this.db.query<{ id: string }>(
      'notifications_attempt_begin',
      `WITH n AS (
         UPDATE alerting.notifications SET attempts = $2, updated_at = $3 WHERE id = $1 AND state = 'pending' AND attempts = $2 - 1 RETURNING id
       )
       INSERT INTO alerting.notification_attempts (notification_id, attempt, started_at) SELECT id, $2, $3 FROM n RETURNING notification_id AS id`,
      [id, attempt, at],
    );
    return begun.length > 0;
  }

  async endAttempt(id: string, attempt: number, outcome: AttemptOutcome): Promise<void> {
    const { at, ok, status, error, state, nextAttemptAt } = outcome;
    await this.db.query(
      'notifications_attempt_end',
      `WITH a AS (
         UPDATE alerting.notification_attempts SET finished_at = $3, ok = $4, status = $5, error = $6 WHERE notification_id = $1 AND attempt = $2
       )
       UPDATE alerting.notifications SET state = $7, last_status = $5, last_error = $6, updated_at = $3,
         delivered_at = CASE WHEN $4 THEN $3 ELSE delivered_at END, next_attempt_at = $8
       WHERE id = $1`,
      [id, attempt, at, ok, status, error, state, nextAttemptAt],
    );
  }

  /** The last notification of every group. */
  async lastPerGroup(): Promise<LastNotification[]> {
    return this.db.query<LastNotification>(
      'notifications_log',
      `SELECT DISTINCT ON (group_key) group_key, firing, created_at, payload FROM alerting.notifications ORDER BY group_key, created_at DESC, id DESC`,
    );
  }

  async list(request: z.output<typeof ListNotificationsRequest>): Promise<NotificationListReply> {
    const rows = await this.db.query<{
      id: string;
      receiver: string;
      group_key: string;
      status: 'firing' | 'resolved';
      state: 'pending' | 'delivered' | 'failed';
      attempts: number;
      last_status: number | null;
      last_error: string | null;
      created_at: Date;
      delivered_at: Date | null;
      payload: Notification;
    }>(
      'notifications_list',
      `SELECT * FROM alerting.notifications
       WHERE ($1::text IS NULL OR receiver = $1) AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR group_key = $3)
         AND ($4::text IS NULL OR payload->'alerts' @> jsonb_build_array(jsonb_build_object('fingerprint', $4::text)))
         AND ($5::timestamptz IS NULL OR created_at >= $5) AND ($6::timestamptz IS NULL OR created_at < $6)
         AND ($8::uuid IS NULL OR (created_at, id) < (SELECT b.created_at, b.id FROM alerting.notifications b WHERE b.id = $8))
       ORDER BY created_at DESC, id DESC LIMIT $7`,
      [
        request.receiver ?? null,
        request.state ?? null,
        request.groupKey ?? null,
        request.fingerprint ?? null,
        request.since ?? null,
        request.until ?? null,
        request.limit,
        request.before ?? null,
      ],
    );
    return {
      notifications: rows.map((r) => ({
        id: r.id,
        receiver: r.receiver,
        groupKey: r.group_key,
        status: r.status,
        state: r.state,
        attempts: r.attempts,
        ...(r.last_status === null ? {} : { lastStatus: r.last_status }),
        ...(r.last_error === null ? {} : { lastError: r.last_error }),
        createdAt: r.created_at.toISOString(),
        ...(r.delivered_at ? { deliveredAt: r.delivered_at.toISOString() } : {}),
        alerts: r.payload.alerts.map((a) => ({ fingerprint: a.fingerprint, status: a.status, labels: a.labels })),
      })),
    };
  }

  /** Deletes the delivered and failed notifications (their attempts with them) recorded before `before`. */
  async expire(before: Date): Promise<void> {
    await this.db.query(
      'notifications_expire',
      "DELETE FROM alerting.notifications WHERE state <> 'pending' AND created_at < $1",
      [before],
    );
  }
}
