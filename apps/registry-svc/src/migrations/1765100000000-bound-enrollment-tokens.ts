import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every enrollment token is bound to one node id. Tokens made before have none and enroll
 * nothing any more (they lived a day at most).
 */
export class BoundEnrollmentTokens1765100000000 implements MigrationInterface {
  name = 'BoundEnrollmentTokens1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE registry.enrollment_tokens ADD COLUMN node_id text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE registry.enrollment_tokens DROP COLUMN node_id');
  }
}
