import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RegistryInit1763800000000 implements MigrationInterface {
  name = 'RegistryInit1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry.projection_checkpoints (
        projection text PRIMARY KEY,
        last_seq bigint NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE registry.nodes (
        id text PRIMARY KEY,
        hostname text NOT NULL,
        status text NOT NULL CHECK (status IN ('registered', 'online', 'offline')),
        labels jsonb NOT NULL,
        agent_version text NOT NULL,
        registered_at timestamptz NOT NULL,
        status_changed_at timestamptz NOT NULL,
        last_seen_at timestamptz,
        inventory jsonb,
        inventory_hash text,
        version integer NOT NULL,
        last_event_seq bigint NOT NULL
      )`);
    await q.query(`CREATE INDEX nodes_status_idx ON registry.nodes (status)`);
    await q.query(`CREATE INDEX nodes_hostname_idx ON registry.nodes (hostname)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE registry.nodes`);
    await q.query(`DROP TABLE registry.projection_checkpoints`);
  }
}
