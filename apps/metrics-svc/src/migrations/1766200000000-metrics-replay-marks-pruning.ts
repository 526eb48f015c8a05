import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The replay marks are pruned per partition by signed time (ReplayMarks.prune): its index. */
export class MetricsReplayMarksPruning1766200000000 implements MigrationInterface {
  name = 'MetricsReplayMarksPruning1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX replay_marks_partition_signed ON metrics.replay_marks (partition, signed_at)');
    await q.query('DROP INDEX metrics.replay_marks_partition');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX replay_marks_partition ON metrics.replay_marks (partition)');
    await q.query('DROP INDEX metrics.replay_marks_partition_signed');
  }
}
