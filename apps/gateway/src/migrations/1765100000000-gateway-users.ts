import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projection checkpoints; the users read model (rebuilt from the `user.*` events); and what no
 * event may carry: the password hashes and the refresh tokens (hashed), which are the gateway's
 * own state and not rebuilt.
 */
export class GatewayUsers1765100000000 implements MigrationInterface {
  name = 'GatewayUsers1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.projection_checkpoints (
        projection text PRIMARY KEY,
        last_seq bigint NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE gateway.users (
        username text PRIMARY KEY,
        role text NOT NULL,
        disabled boolean NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL,
        password_changed_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE gateway.credentials (
        username text PRIMARY KEY,
        password_hash text NOT NULL,
        changed_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE gateway.refresh_tokens (
        token_hash text PRIMARY KEY,
        session_id text NOT NULL,
        username text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        rotated_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query('CREATE INDEX refresh_tokens_session ON gateway.refresh_tokens (session_id)');
    await q.query('CREATE INDEX refresh_tokens_username ON gateway.refresh_tokens (username) WHERE revoked_at IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE gateway.refresh_tokens');
    await q.query('DROP TABLE gateway.credentials');
    await q.query('DROP TABLE gateway.users');
    await q.query('DROP TABLE gateway.projection_checkpoints');
  }
}
