import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Maintenance mode in the nodes read model (from `node.maintenance_started` / `_ended`). */
export class NodeMaintenance1764700000000 implements MigrationInterface {
  name = 'NodeMaintenance1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE registry.nodes
        ADD COLUMN maintenance_since timestamptz,
        ADD COLUMN maintenance_reason text,
        ADD COLUMN maintenance_until timestamptz,
        ADD COLUMN maintenance_by text`);
    // The expiry check reads the maintenances with an end.
    await q.query(
      'CREATE INDEX nodes_maintenance_until_idx ON registry.nodes (maintenance_until) WHERE maintenance_until IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX registry.nodes_maintenance_until_idx');
    await q.query(`
      ALTER TABLE registry.nodes DROP COLUMN maintenance_since, DROP COLUMN maintenance_reason,
        DROP COLUMN maintenance_until, DROP COLUMN maintenance_by`);
  }
}
