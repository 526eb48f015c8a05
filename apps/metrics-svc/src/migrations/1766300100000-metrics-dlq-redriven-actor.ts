import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who asked for each redrive of a sample batch (the admin the gateway authenticated), as the
 * other services' `dlq_redriven` keep it. Rows written before have none (NULL).
 */
export class MetricsDlqRedrivenActor1766300100000 implements MigrationInterface {
  name = 'MetricsDlqRedrivenActor1766300100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE metrics.dlq_redriven ADD COLUMN actor text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE metrics.dlq_redriven DROP COLUMN actor');
  }
}
