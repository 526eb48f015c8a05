import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The replay marks are pruned by signed time (SampleGate): its index. */
export class AlertingReplayMarksPruning1766200000002 implements MigrationInterface {
  name = 'AlertingReplayMarksPruning1766200000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX replay_marks_signed ON alerting.replay_marks (signed_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX alerting.replay_marks_signed');
  }
}
