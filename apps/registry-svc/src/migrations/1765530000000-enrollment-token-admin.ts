import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who made each enrollment token, and an admin's revocation of an unused one (when, by whom).
 * Tokens made before have no creator (null). The list reads newest first through the index.
 */
export class EnrollmentTokenAdmin1765530000000 implements MigrationInterface {
  name = 'EnrollmentTokenAdmin1765530000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registry.enrollment_tokens
      ADD COLUMN created_by text,
      ADD COLUMN revoked_at timestamptz,
      ADD COLUMN revoked_by text`);
    await q.query(
      'CREATE INDEX enrollment_tokens_created_idx ON registry.enrollment_tokens (created_at DESC, id DESC)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX registry.enrollment_tokens_created_idx');
    await q.query(`ALTER TABLE registry.enrollment_tokens
      DROP COLUMN created_by, DROP COLUMN revoked_at, DROP COLUMN revoked_by`);
  }
}
