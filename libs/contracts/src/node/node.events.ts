import * as z from 'zod';
import { AppliedConfig } from '../agent/agent-config.schema';
import { IsoTimestamp, Labels, NodeId, NodeLabels } from '../common.schema';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';
import { Inventory } from './inventory.schema';

/** v1 (first releases) knew only the hostname; v2 adds labels and the agent version. */
const NodeRegisteredV1 = z.object({ nodeId: NodeId, hostname: z.string() });

export const NodeRegistered = defineEvent(
  'node.registered',
  {
    version: 2,
    schema: z.object({ nodeId: NodeId, hostname: z.string(), labels: Labels, agentVersion: z.string() }),
  },
  [
    {
      version: 1,
      schema: NodeRegisteredV1,
      upcast: (d) => ({ ...(d as z.infer<typeof NodeRegisteredV1>), labels: {}, agentVersion: 'unknown' }),
    },
  ],
);

export const NodeOnline = defineEvent('node.online', {
  version: 1,
  schema: z.object({ nodeId: NodeId, lastSeenAt: IsoTimestamp }),
});

export const NodeOffline = defineEvent('node.offline', {
  version: 1,
  schema: z.object({ nodeId: NodeId, lastSeenAt: IsoTimestamp, timeoutMs: z.number().int().positive() }),
});

export const NodeInventoryChanged = defineEvent('node.inventory_changed', {
  version: 1,
  schema: z.object({ nodeId: NodeId, hash: z.string().min(1), inventory: Inventory }),
});

/**
 * The node's labels are now `labels` (the whole set: a label absent here was removed). Decided
 * when the agent reports labels other than the node's: in its inventory (which it sends again as
 * soon as its configured labels change) or in the heartbeat that brings it online.
 */
export const NodeLabelsChanged = defineEvent('node.labels_changed', {
  version: 1,
  schema: z.object({ nodeId: NodeId, labels: NodeLabels }),
});

/** The agent reported a different configuration in effect (or a rejected one). */
export const NodeConfigReported = defineEvent('node.config_reported', {
  version: 1,
  schema: z.object({ nodeId: NodeId, config: AppliedConfig }),
});

/**
 * The node is in maintenance: its alerts still fire and show, and nobody is notified of them.
 * Starting again while in maintenance replaces the reason and end. `until`: it ends by itself then.
 */
export const NodeMaintenanceStarted = defineEvent('node.maintenance_started', {
  version: 1,
  schema: z.object({
    nodeId: NodeId,
    reason: z.string().trim().min(1, 'say why').max(500),
    until: IsoTimestamp.optional(),
  }),
});

export const NodeMaintenanceEnded = defineEvent('node.maintenance_ended', {
  version: 1,
  schema: z.object({ nodeId: NodeId, reason: z.enum(['manual', 'expired']) }),
});

export type NodeRegisteredEvent = EventOf<typeof NodeRegistered>;
export type NodeOnlineEvent = EventOf<typeof NodeOnline>;
export type NodeOfflineEvent = EventOf<typeof NodeOffline>;
export type NodeInventoryChangedEvent = EventOf<typeof NodeInventoryChanged>;
export type NodeLabelsChangedEvent = EventOf<typeof NodeLabelsChanged>;
export type NodeConfigReportedEvent = EventOf<typeof NodeConfigReported>;
export type NodeMaintenanceStartedEvent = EventOf<typeof NodeMaintenanceStarted>;
export type NodeMaintenanceEndedEvent = EventOf<typeof NodeMaintenanceEnded>;
export type NodeEvent =
  | NodeRegisteredEvent
  | NodeOnlineEvent
  | NodeOfflineEvent
  | NodeInventoryChangedEvent
  | NodeLabelsChangedEvent
  | NodeConfigReportedEvent
  | NodeMaintenanceStartedEvent
  | NodeMaintenanceEndedEvent;
export type NodeEventType = NodeEvent['type'];
export type NodeEventData<T extends NodeEventType> = Extract<NodeEvent, { type: T }>['data'];

export const nodeEvents = new EventCatalog<NodeEvent>([
  NodeRegistered,
  NodeOnline,
  NodeOffline,
  NodeInventoryChanged,
  NodeLabelsChanged,
  NodeConfigReported,
  NodeMaintenanceStarted,
  NodeMaintenanceEnded,
]);
