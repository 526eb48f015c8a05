import type { MigrationInterface, QueryRunner } from 'typeorm';

/** alert-svc's copy of the node identities, for the identity gate on the samples it evaluates. */
export class NodeIdentities1765100000000 implements MigrationInterface {
  name = 'NodeIdentities1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alerting.node_identities (
        node_id text PRIMARY KEY,
        public_key text,
        revoked_at timestamptz,
        last_event_seq bigint NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alerting.node_identities');
  }
}
