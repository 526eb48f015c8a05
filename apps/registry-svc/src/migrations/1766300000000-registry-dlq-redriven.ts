import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The parked messages registry-svc's redrive applied (heartbeats, inventory, agent events, events of its projections).
 * Keyed by the original's place in its stream: a redrive claims the row and applies the message
 * in one transaction (RedriveLedger), so each parked message is applied at most once, and the
 * admin who asked is kept beside it. Rows older than the DLQ keeps messages are pruned.
 */
export class RegistryDlqRedriven1766300000000 implements MigrationInterface {
  name = 'RegistryDlqRedriven1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry.dlq_redriven (
        stream      text        NOT NULL,
        stream_seq  bigint      NOT NULL,
        dlq_seq     bigint      NOT NULL,
        actor       text        NOT NULL,
        redriven_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stream, stream_seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE registry.dlq_redriven');
  }
}
