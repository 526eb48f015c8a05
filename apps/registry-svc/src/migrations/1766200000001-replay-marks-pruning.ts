import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The replay marks are pruned per kind by signed time (ReplayMarksPruner): its index. */
export class ReplayMarksPruning1766200000001 implements MigrationInterface {
  name = 'ReplayMarksPruning1766200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX replay_marks_kind_signed ON registry.replay_marks (kind, signed_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX registry.replay_marks_kind_signed');
  }
}
