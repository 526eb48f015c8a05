import { type NodeEvent, nodeEvents } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';

/**
 * `metrics.nodes`: each node's hostname and labels, for node selectors by label. Labels come
 * with `node.registered` and change with `node.inventory_changed` (the agent sends its
 * inventory again, labels included, as soon as its configured labels change) and with
 * `node.labels_changed`, which registry-svc decides from the same reports. Presence and
 * configuration events change nothing here and are passed over. `last_event_seq` is the last
 * event that changed the row.
 */
export const metricsNodesProjection: Projection<NodeEvent> = {
  name: 'metrics-nodes',
  catalog: nodeEvents,

  async apply(event: StoredEvent<NodeEvent>, tx: EntityManager): Promise<void> {
    switch (event.type) {
      case 'node.registered':
        await tx.query(
          `INSERT INTO metrics.nodes (node_id, hostname, labels, last_event_seq) VALUES ($1, $2, $3, $4)
           ON CONFLICT (node_id) DO UPDATE SET hostname = EXCLUDED.hostname, labels = EXCLUDED.labels,
             last_event_seq = EXCLUDED.last_event_seq`,
          [event.data.nodeId, event.data.hostname, JSON.stringify(event.data.labels), event.seq],
        );
        return;
      case 'node.inventory_changed':
        await tx.query('UPDATE metrics.nodes SET hostname = $2, labels = $3, last_event_seq = $4 WHERE node_id = $1', [
          event.data.nodeId,
          event.data.inventory.hostname,
          JSON.stringify(event.data.inventory.labels),
          event.seq,
        ]);
        return;
      case 'node.labels_changed':
        await tx.query('UPDATE metrics.nodes SET labels = $2, last_event_seq = $3 WHERE node_id = $1', [
          event.data.nodeId,
          JSON.stringify(event.data.labels),
          event.seq,
        ]);
        return;
      case 'node.online':
      case 'node.offline':
      case 'node.config_reported':
      case 'node.maintenance_started':
      case 'node.maintenance_ended':
        return;
      default: {
        const never: never = event;
        return never;
      }
    }
  },

  async reset(tx: EntityManager): Promise<void> {
    await tx.query('TRUNCATE metrics.nodes');
  },
};
