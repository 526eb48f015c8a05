import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit trail's read model (rebuilt from the `audit.*` events), newest first by stream sequence. */
export class GatewayAudit1765200000000 implements MigrationInterface {
  name = 'GatewayAudit1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.audit (
        seq bigint PRIMARY KEY,
        id text NOT NULL,
        at timestamptz NOT NULL,
        actor text NOT NULL,
        source_ip text NOT NULL,
        user_agent text NOT NULL,
        request_id text NOT NULL,
        action text NOT NULL,
        target text NOT NULL,
        status integer NOT NULL,
        outcome text NOT NULL,
        changes jsonb
      )`);
    await q.query('CREATE INDEX audit_at ON gateway.audit (at)');
    await q.query('CREATE INDEX audit_actor ON gateway.audit (actor, seq)');
    await q.query('CREATE INDEX audit_action ON gateway.audit (action, seq)');
    await q.query('CREATE INDEX audit_request ON gateway.audit (request_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE gateway.audit');
  }
}
