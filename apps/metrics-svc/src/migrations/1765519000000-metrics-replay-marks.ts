import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The replay check's high-water mark per node (issue 19, point 5): the last (boot, seq) of a
 * signed batch the ingest took at or before its partition's stored resume position, written in
 * the flush transaction with that position, so a restarted or new owner refuses a copy
 * republished after JetStream's duplicate window exactly as the first reading did.
 */
export class MetricsReplayMarks1765519000000 implements MigrationInterface {
  name = 'MetricsReplayMarks1765519000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE metrics.replay_marks (
        node_id text PRIMARY KEY,
        partition int NOT NULL,
        boot bigint NOT NULL,
        seq bigint NOT NULL,
        stream_seq bigint NOT NULL,
        signed_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX replay_marks_partition ON metrics.replay_marks (partition)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE metrics.replay_marks');
  }
}
