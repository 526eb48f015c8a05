import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sample batches a DLQ redrive has merged into the rollups, by their place in the stream
 * they came from: written in the same transaction as the merge, so a batch redriven twice (a
 * crash before its DLQ copy was deleted, a copy parked again) is counted once. Rows older than
 * the DLQ keeps its messages (14 days) are pruned by the partition maintenance.
 */
export class MetricsDlqRedriven1764500000000 implements MigrationInterface {
  name = 'MetricsDlqRedriven1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE metrics.dlq_redriven (
        stream      text        NOT NULL,
        stream_seq  bigint      NOT NULL,
        dlq_seq     bigint      NOT NULL,
        redriven_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stream, stream_seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE metrics.dlq_redriven');
  }
}
