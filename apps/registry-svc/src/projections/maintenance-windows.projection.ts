import { type MaintenanceWindowEvent, maintenanceWindowEvents } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';
import { addWindowMembers, dropLateMembers } from './window-membership';

/** `registry.maintenance_windows` and, for each new window, the registered nodes it selects. */
export const maintenanceWindowsProjection: Projection<MaintenanceWindowEvent> = {
  name: 'registry-maintenance-windows',
  catalog: maintenanceWindowEvents,

  async apply(event: StoredEvent<MaintenanceWindowEvent>, tx: EntityManager): Promise<void> {
    switch (event.type) {
      case 'maintenance_window.scheduled': {
        const w = event.data.window;
        const inserted = (await tx.query(
          `INSERT INTO registry.maintenance_windows
             (id, reason, matchers, starts_at, ends_at, stops_at, created_by, created_at, last_event_seq)
           VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id`,
          [w.id, w.reason, JSON.stringify(w.matchers), w.startsAt, w.endsAt, w.createdBy, event.occurredAt, event.seq],
        )) as unknown[];
        if (inserted.length > 0) await addWindowMembers(tx, w.id, w.matchers, w.endsAt);
        return;
      }
      case 'maintenance_window.cancelled':
        await tx.query(
          `UPDATE registry.maintenance_windows SET cancelled_at = $2, cancelled_by = $3,
             stops_at = LEAST(stops_at, $2::timestamptz), last_event_seq = $4 WHERE id = $1`,
          [event.data.windowId, event.data.at, event.meta.actor, event.seq],
        );
        await dropLateMembers(tx, event.data.windowId, event.data.at);
        return;
      default: {
        const never: never = event;
        return never;
      }
    }
  },

  async reset(tx: EntityManager): Promise<void> {
    await tx.query('TRUNCATE registry.maintenance_windows CASCADE');
  },
};
