import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The replay check's high-water mark per node and kind of agent message (issue 19, point 5):
 * the last (boot, seq) registry-svc took and where the stream held it. It was in Redis, with an
 * expiry: a Redis restart (or the expiry) forgot it, and a heartbeat republished after
 * JetStream's duplicate window made a dead node look alive.
 */
export class ReplayMarks1765519100000 implements MigrationInterface {
  name = 'ReplayMarks1765519100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry.replay_marks (
        kind text NOT NULL,
        node_id text NOT NULL,
        boot bigint NOT NULL,
        seq bigint NOT NULL,
        stream_seq bigint NOT NULL,
        signed_at timestamptz NOT NULL,
        PRIMARY KEY (node_id, kind)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE registry.replay_marks');
  }
}
