import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Read models of the silences and of the alerts (current state and every transition). */
export class SilencesAlertHistory1764600000000 implements MigrationInterface {
  name = 'SilencesAlertHistory1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alerting.silences (
        id uuid PRIMARY KEY,
        matchers jsonb NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        created_by text NOT NULL,
        comment text NOT NULL,
        created_at timestamptz NOT NULL,
        expired_at timestamptz,
        expired_by text,
        last_event_seq bigint NOT NULL
      )`);
    await q.query('CREATE INDEX silences_ends_idx ON alerting.silences (ends_at DESC)');
    await q.query(`
      CREATE TABLE alerting.alerts (
        fingerprint text PRIMARY KEY,
        rule_id text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
        labels jsonb NOT NULL,
        annotations jsonb NOT NULL,
        active_at timestamptz NOT NULL,
        fired_at timestamptz,
        resolved_at timestamptz,
        value double precision,
        last_event_seq bigint NOT NULL
      )`);
    await q.query('CREATE INDEX alerts_state_idx ON alerting.alerts (state, active_at DESC)');
    await q.query("CREATE INDEX alerts_node_idx ON alerting.alerts ((labels->>'node'))");
    await q.query(`
      CREATE TABLE alerting.alert_history (
        seq bigint PRIMARY KEY,
        type text NOT NULL,
        fingerprint text NOT NULL,
        rule_id text NOT NULL,
        labels jsonb NOT NULL,
        at timestamptz NOT NULL,
        value double precision,
        reason text
      )`);
    await q.query('CREATE INDEX alert_history_fingerprint_idx ON alerting.alert_history (fingerprint, seq DESC)');
    await q.query('CREATE INDEX alert_history_rule_idx ON alerting.alert_history (rule_id, seq DESC)');
    await q.query("CREATE INDEX alert_history_node_idx ON alerting.alert_history ((labels->>'node'), seq DESC)");
    await q.query('CREATE INDEX alert_history_at_idx ON alerting.alert_history (at DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alerting.alert_history');
    await q.query('DROP TABLE alerting.alerts');
    await q.query('DROP TABLE alerting.silences');
  }
}
