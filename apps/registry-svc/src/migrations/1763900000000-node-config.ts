import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The configuration each agent reports running (node.config_reported). */
export class NodeConfig1763900000000 implements MigrationInterface {
  name = 'NodeConfig1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registry.nodes ADD COLUMN config jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registry.nodes DROP COLUMN config`);
  }
}
