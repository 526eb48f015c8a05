import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The evaluator's replay marks (issue 19, point 5): per node, the last (boot, seq) of a signed
 * sample batch it evaluated and where the stream held it, so that after a restart or a change
 * of leader a copy republished after JetStream's duplicate window is not evaluated again.
 */
export class AlertingReplayMarks1765519200000 implements MigrationInterface {
  name = 'AlertingReplayMarks1765519200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alerting.replay_marks (
        node_id text PRIMARY KEY,
        boot bigint NOT NULL,
        seq bigint NOT NULL,
        stream_seq bigint NOT NULL,
        signed_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alerting.replay_marks');
  }
}
