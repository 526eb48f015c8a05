import { type NodeEvent, nodeEvents } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';
import { addNodeToWindows, updateNodeWindows } from './window-membership';

/**
 * The `registry.nodes` read model: one row per node, every column derived from its events; and
 * the maintenance windows each new node is in (`registry.maintenance_window_nodes`).
 */
export const nodesProjection: Projection<NodeEvent> = {
  name: 'registry-nodes',
  catalog: nodeEvents,

  async apply(event: StoredEvent<NodeEvent>, tx: EntityManager): Promise<void> {
    switch (event.type) {
      case 'node.registered': {
        const d = event.data;
        await tx.query(
          `INSERT INTO registry.nodes (id, hostname, status, labels, agent_version, registered_at, status_changed_at,
             last_seen_at, inventory, inventory_hash, version, last_event_seq)
           VALUES ($1, $2, 'registered', $3, $4, $5, $5, NULL, NULL, NULL, 1, $6)`,
          [d.nodeId, d.hostname, JSON.stringify(d.labels), d.agentVersion, event.occurredAt, event.seq],
        );
        // A node registered during (or before) a maintenance window is in it like the others.
        await addNodeToWindows(tx, d.nodeId, d.labels, event.occurredAt);
        return;
      }
      case 'node.online':
      case 'node.offline':
        await tx.query(
          `UPDATE registry.nodes SET status = $2, status_changed_at = $3, last_seen_at = $4,
             version = version + 1, last_event_seq = $5 WHERE id = $1`,
          [
            event.data.nodeId,
            event.type === 'node.online' ? 'online' : 'offline',
            event.occurredAt,
            event.data.lastSeenAt,
            event.seq,
          ],
        );
        return;
      case 'node.inventory_changed':
        await tx.query(
          `UPDATE registry.nodes SET hostname = $2, inventory = $3, inventory_hash = $4,
             version = version + 1, last_event_seq = $5 WHERE id = $1`,
          [
            event.data.nodeId,
            event.data.inventory.hostname,
            JSON.stringify(event.data.inventory),
            event.data.hash,
            event.seq,
          ],
        );
        // Its labels may have changed: the maintenance windows that select it follow.
        await updateNodeWindows(tx, event.data.nodeId, event.data.inventory.labels, event.occurredAt);
        return;
      case 'node.labels_changed':
        await tx.query(
          `UPDATE registry.nodes SET labels = $2, version = version + 1, last_event_seq = $3 WHERE id = $1`,
          [event.data.nodeId, JSON.stringify(event.data.labels), event.seq],
        );
        return;
      case 'node.config_reported':
        await tx.query(
          `UPDATE registry.nodes SET config = $2, version = version + 1, last_event_seq = $3 WHERE id = $1`,
          [event.data.nodeId, JSON.stringify(event.data.config), event.seq],
        );
        return;
      case 'node.maintenance_started':
        await tx.query(
          `UPDATE registry.nodes SET maintenance_since = CASE WHEN maintenance_since IS NULL THEN $2::timestamptz ELSE maintenance_since END,
             maintenance_reason = $3, maintenance_until = $4, maintenance_by = $5, version = version + 1, last_event_seq = $6 WHERE id = $1`,
          [
            event.data.nodeId,
            event.occurredAt,
            event.data.reason,
            event.data.until ?? null,
            event.meta.actor,
            event.seq,
          ],
        );
        return;
      case 'node.maintenance_ended':
        await tx.query(
          `UPDATE registry.nodes SET maintenance_since = NULL, maintenance_reason = NULL, maintenance_until = NULL, maintenance_by = NULL,
             version = version + 1, last_event_seq = $2 WHERE id = $1`,
          [event.data.nodeId, event.seq],
        );
        return;
      default: {
        const never: never = event;
        return never;
      }
    }
  },

  async reset(tx: EntityManager): Promise<void> {
    await tx.query('TRUNCATE registry.nodes');
  },
};
