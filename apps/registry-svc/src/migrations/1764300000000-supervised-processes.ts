import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per node, the third-party agents its agent supervises, as their last supervisor event left them. */
export class SupervisedProcesses1764300000000 implements MigrationInterface {
  name = 'SupervisedProcesses1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry.supervised_processes (
        node_id text NOT NULL,
        process text NOT NULL,
        state text NOT NULL,
        last_event text NOT NULL,
        last_event_at timestamptz NOT NULL,
        pid integer,
        exit_code integer,
        signal text,
        reason text,
        restarts integer NOT NULL DEFAULT 0,
        PRIMARY KEY (node_id, process)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE registry.supervised_processes');
  }
}
