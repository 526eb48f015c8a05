import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Projection checkpoints and the rules read model (rebuilt from the `rule.*` events). */
export class AlertingInit1764400000000 implements MigrationInterface {
  name = 'AlertingInit1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alerting.projection_checkpoints (
        projection text PRIMARY KEY,
        last_seq bigint NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE alerting.rules (
        id text PRIMARY KEY,
        rule jsonb NOT NULL,
        enabled boolean NOT NULL,
        version integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL,
        last_event_seq bigint NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alerting.rules');
    await q.query('DROP TABLE alerting.projection_checkpoints');
  }
}
