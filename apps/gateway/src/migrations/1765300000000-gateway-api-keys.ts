import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys: their read model (rebuilt from the `apikey.*` events) and what no event carries, the
 * SHA-256 of each key (256-bit random keys need no slow hash) with its last use.
 */
export class GatewayApiKeys1765300000000 implements MigrationInterface {
  name = 'GatewayApiKeys1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.api_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        scope jsonb
      )`);
    await q.query(`
      CREATE TABLE gateway.api_key_secrets (
        key_id text PRIMARY KEY,
        token_hash text NOT NULL UNIQUE,
        last_used_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE gateway.api_key_secrets');
    await q.query('DROP TABLE gateway.api_keys');
  }
}
