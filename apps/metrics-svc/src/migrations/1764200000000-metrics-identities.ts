import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Node keys and revocations, a read model of the `identity.*` events, to check sample batches. */
export class MetricsIdentities1764200000000 implements MigrationInterface {
  name = 'MetricsIdentities1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE metrics.node_identities (
        node_id text PRIMARY KEY,
        public_key text,
        revoked_at timestamptz,
        last_event_seq bigint NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE metrics.node_identities');
  }
}
