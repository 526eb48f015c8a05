import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * late_writes per ingest partition: incremented by every write transaction that changes a
 * bucket already closed (a late sample's 10 s row, or a delta merged into a coarse tier that
 * has rolled the bucket up). Readers that keep closed buckets in memory (the top-k range
 * cache) compare the sum over partitions before each read: a change means some closed bucket
 * is no longer what they hold.
 */
export class MetricsLateWrites1764400000000 implements MigrationInterface {
  name = 'MetricsLateWrites1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE metrics.ingest_partitions ADD COLUMN late_writes bigint NOT NULL DEFAULT 0');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE metrics.ingest_partitions DROP COLUMN late_writes');
  }
}
