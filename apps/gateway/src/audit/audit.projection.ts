import { type AuditEvent, auditEvents } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';

/** `gateway.audit`: one row per record, keyed by its stream sequence (the order of the trail). */
export const auditProjection: Projection<AuditEvent> = {
  name: 'gateway-audit',
  catalog: auditEvents,
  async apply(event: StoredEvent<AuditEvent>, tx: EntityManager): Promise<void> {
    switch (event.type) {
      case 'audit.recorded': {
        const d = event.data;
        await tx.query(
          `INSERT INTO gateway.audit (seq, id, at, actor, source_ip, user_agent, request_id, action, target, status,
             outcome, changes)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (seq) DO NOTHING`,
          [
            event.seq,
            event.id,
            event.occurredAt,
            d.actor,
            d.sourceIp,
            d.userAgent,
            d.requestId,
            d.action,
            d.target,
            d.status,
            d.outcome,
            d.changes === undefined ? null : JSON.stringify(d.changes),
          ],
        );
        break;
      }
      default: {
        const never: never = event.type;
        return never;
      }
    }
  },
  async reset(tx: EntityManager): Promise<void> {
    await tx.query('TRUNCATE gateway.audit');
  },
};
