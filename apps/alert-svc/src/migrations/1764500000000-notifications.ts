import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notification outbox and log: each notification is recorded before it is sent and its
 * outcome after; every attempt is a row of its own, begun before the request goes out.
 */
export class Notifications1764500000000 implements MigrationInterface {
  name = 'Notifications1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alerting.notifications (
        id uuid PRIMARY KEY,
        receiver text NOT NULL,
        group_key text NOT NULL,
        status text NOT NULL CHECK (status IN ('firing', 'resolved')),
        firing text[] NOT NULL,
        payload jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL,
        delivered_at timestamptz,
        updated_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX notifications_group_idx ON alerting.notifications (group_key, created_at DESC)');
    await q.query(
      "CREATE INDEX notifications_due_idx ON alerting.notifications (next_attempt_at) WHERE state = 'pending'",
    );
    await q.query('CREATE INDEX notifications_created_idx ON alerting.notifications (created_at DESC)');
    await q.query(`
      CREATE TABLE alerting.notification_attempts (
        notification_id uuid NOT NULL REFERENCES alerting.notifications (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        ok boolean,
        status integer,
        error text,
        PRIMARY KEY (notification_id, attempt)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alerting.notification_attempts');
    await q.query('DROP TABLE alerting.notifications');
  }
}
