import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Enrollment tokens are secrets, kept here as SHA-256 hashes and not as events (an
 * event log is forever and widely read). Node identities are the read model of the
 * `identity.*` events.
 */
export class Identity1764000000000 implements MigrationInterface {
  name = 'Identity1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry.enrollment_tokens (
        id uuid PRIMARY KEY,
        token_hash text NOT NULL UNIQUE,
        note text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        used_by_node text
      )`);
    await q.query(`
      CREATE TABLE registry.node_identities (
        node_id text PRIMARY KEY,
        public_key text,
        enrolled_at timestamptz,
        revoked_at timestamptz,
        revoke_reason text,
        last_event_seq bigint NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE registry.node_identities`);
    await q.query(`DROP TABLE registry.enrollment_tokens`);
  }
}
