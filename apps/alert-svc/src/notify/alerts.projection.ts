import { type AlertEvent, alertEvents } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';

/**
 * `alerting.alerts` (each alert as its last event left it) and `alerting.alert_history` (every
 * transition, keyed by stream sequence, so applying one twice changes nothing).
 */
export const alertsProjection = (): Projection<AlertEvent> => ({
  name: 'alerting-alerts',
  catalog: alertEvents,
  async apply(event: StoredEvent<AlertEvent>, tx: EntityManager): Promise<void> {
    const d = event.data;
    const value = 'value' in d ? d.value : null;
    const at =
      event.type === 'alert.pending'
        ? event.data.activeAt
        : event.type === 'alert.firing'
          ? event.data.firedAt
          : event.data.resolvedAt;
    await tx.query(
      `INSERT INTO alerting.alert_history (seq, type, fingerprint, rule_id, labels, at, value, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (seq) DO NOTHING`,
      [
        event.seq,
        event.type,
        d.fingerprint,
        d.ruleId,
        JSON.stringify(d.labels),
        at,
        value,
        event.type === 'alert.resolved' ? event.data.reason : null,
      ],
    );
    switch (event.type) {
      case 'alert.pending':
        await tx.query(
          `INSERT INTO alerting.alerts (fingerprint, rule_id, state, labels, annotations, active_at, value, last_event_seq)
           VALUES ($1, $2, 'pending', $3, '{}', $4, $5, $6)
           ON CONFLICT (fingerprint) DO UPDATE SET rule_id = $2, state = 'pending', labels = $3, active_at = $4, fired_at = NULL,
             resolved_at = NULL, value = $5, last_event_seq = $6`,
          [d.fingerprint, d.ruleId, JSON.stringify(d.labels), event.data.activeAt, value, event.seq],
        );
        break;
      case 'alert.firing':
        await tx.query(
          `INSERT INTO alerting.alerts (fingerprint, rule_id, state, labels, annotations, active_at, fired_at, value, last_event_seq)
           VALUES ($1, $2, 'firing', $3, $4, $5, $6, $7, $8)
           ON CONFLICT (fingerprint) DO UPDATE SET rule_id = $2, state = 'firing', labels = $3, annotations = $4, active_at = $5,
             fired_at = $6, resolved_at = NULL, value = $7, last_event_seq = $8`,
          [
            d.fingerprint,
            d.ruleId,
            JSON.stringify(d.labels),
            JSON.stringify(event.data.annotations),
            event.data.activeAt,
            event.data.firedAt,
            value,
            event.seq,
          ],
        );
        break;
      case 'alert.resolved':
        await tx.query(
          `INSERT INTO alerting.alerts (fingerprint, rule_id, state, labels, annotations, active_at, resolved_at, last_event_seq)
           VALUES ($1, $2, 'resolved', $3, '{}', $4, $4, $5)
           ON CONFLICT (fingerprint) DO UPDATE SET state = 'resolved', resolved_at = $4, last_event_seq = $5`,
          [d.fingerprint, d.ruleId, JSON.stringify(d.labels), event.data.resolvedAt, event.seq],
        );
        break;
      default: {
        const never: never = event;
        return never;
      }
    }
  },
  async reset(tx: EntityManager): Promise<void> {
    await tx.query('TRUNCATE alerting.alerts, alerting.alert_history');
  },
});
