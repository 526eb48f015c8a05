import {
  type AppliedConfig,
  type Heartbeat,
  IllegalStateError,
  NotFoundError,
  type Inventory,
  type Labels,
  type NodeEvent,
  type NodeStatus,
} from '@vigil/contracts';
import type { NewEvent } from '@vigil/event-store';

export type NodeState =
  | { exists: false }
  | {
      exists: true;
      nodeId: string;
      hostname: string;
      labels: Labels;
      agentVersion: string;
      status: NodeStatus | 'registered';
      /** When the node was last seen according to the events (online/offline carry it). */
      lastSeenAt: string | null;
      inventoryHash: string | null;
      config: AppliedConfig | null;
      maintenance: { reason: string; until: string | null } | null;
    };

export type NodeCommand =
  | { type: 'RecordHeartbeat'; heartbeat: Heartbeat; receivedAt: Date }
  /** The node was heard from (its last-seen time moved) without a heartbeat at hand. */
  | { type: 'RecordSighting'; nodeId: string; receivedAt: Date }
  | { type: 'MarkOffline'; lastSeenAt: Date; timeoutMs: number }
  | { type: 'RecordInventory'; inventory: Inventory; hash: string }
  | { type: 'RecordConfig'; nodeId: string; config: AppliedConfig }
  /** In maintenance until `until` (or until ended); again while in it: a new reason or end. */
  | { type: 'StartMaintenance'; nodeId: string; reason: string; until?: string }
  /** `expired`: its `until` passed (decided by the registry's own check). */
  | { type: 'EndMaintenance'; nodeId: string; reason: 'manual' | 'expired'; now: Date };

export const initialNodeState = (): NodeState => ({ exists: false });

export function evolveNode(state: NodeState, event: NodeEvent): NodeState {
  switch (event.type) {
    case 'node.registered':
      return {
        exists: true,
        nodeId: event.data.nodeId,
        hostname: event.data.hostname,
        labels: event.data.labels,
        agentVersion: event.data.agentVersion,
        status: 'registered',
        lastSeenAt: null,
        inventoryHash: null,
        config: null,
        maintenance: null,
      };
    case 'node.online':
    case 'node.offline':
      if (!state.exists) return state;
      return {
        ...state,
        status: event.type === 'node.online' ? 'online' : 'offline',
        lastSeenAt: event.data.lastSeenAt,
      };
    case 'node.inventory_changed':
      if (!state.exists) return state;
      return { ...state, hostname: event.data.inventory.hostname, inventoryHash: event.data.hash };
    case 'node.labels_changed':
      if (!state.exists) return state;
      return { ...state, labels: event.data.labels };
    case 'node.config_reported':
      if (!state.exists) return state;
      return { ...state, config: event.data.config };
    case 'node.maintenance_started':
      if (!state.exists) return state;
      return { ...state, maintenance: { reason: event.data.reason, until: event.data.until ?? null } };
    case 'node.maintenance_ended':
      if (!state.exists) return state;
      return { ...state, maintenance: null };
    default: {
      const never: never = event;
      return never;
    }
  }
}

export function sameConfig(a: AppliedConfig | null, b: AppliedConfig | null): boolean {
  return a?.version === b?.version && a?.status === b?.status && a?.error === b?.error;
}

export function sameLabels(a: Labels, b: Labels): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** The node's labels are now `reported`, when they differ from what it had. */
function decideLabels(state: Extract<NodeState, { exists: true }>, reported: Labels): NewEvent<NodeEvent>[] {
  if (sameLabels(state.labels, reported)) return [];
  return [{ type: 'node.labels_changed', data: { nodeId: state.nodeId, labels: reported } }];
}

function decideOnline(state: Extract<NodeState, { exists: true }>, receivedAt: Date): NewEvent<NodeEvent>[] {
  if (state.status === 'online') return [];
  // A heartbeat older than the moment the node was declared offline (a late
  // redelivery) must not bring it back.
  if (state.status === 'offline' && state.lastSeenAt && receivedAt.toISOString() <= state.lastSeenAt) return [];
  return [{ type: 'node.online', data: { nodeId: state.nodeId, lastSeenAt: receivedAt.toISOString() } }];
}

/**
 * Decides what a command means for a node. Every branch derives from state, so a
 * command retried after a crash or a concurrent writer decides nothing new.
 */
export function decideNode(command: NodeCommand, state: NodeState): NewEvent<NodeEvent>[] {
  switch (command.type) {
    case 'RecordHeartbeat': {
      const hb = command.heartbeat;
      if (!state.exists) {
        return [
          {
            type: 'node.registered',
            data: { nodeId: hb.nodeId, hostname: hb.hostname, labels: hb.labels, agentVersion: hb.agentVersion },
          },
          { type: 'node.online', data: { nodeId: hb.nodeId, lastSeenAt: command.receivedAt.toISOString() } },
        ];
      }
      // Only a heartbeat that brings the node online (not a late redelivery) may change its labels.
      const online = decideOnline(state, command.receivedAt);
      return online.length > 0 ? [...decideLabels(state, hb.labels), ...online] : [];
    }
    case 'RecordSighting':
      return state.exists ? decideOnline(state, command.receivedAt) : [];
    case 'MarkOffline':
      if (!state.exists || state.status !== 'online') return [];
      return [
        {
          type: 'node.offline',
          data: { nodeId: state.nodeId, lastSeenAt: command.lastSeenAt.toISOString(), timeoutMs: command.timeoutMs },
        },
      ];
    case 'RecordInventory':
      if (!state.exists) throw new IllegalStateError(`node ${command.inventory.nodeId} is not registered yet`);
      if (state.inventoryHash === command.hash) return [];
      return [
        {
          type: 'node.inventory_changed',
          data: { nodeId: state.nodeId, hash: command.hash, inventory: command.inventory },
        },
        ...decideLabels(state, command.inventory.labels),
      ];
    case 'RecordConfig':
      if (!state.exists || sameConfig(state.config, command.config)) return [];
      return [{ type: 'node.config_reported', data: { nodeId: state.nodeId, config: command.config } }];
    case 'StartMaintenance': {
      if (!state.exists) throw new NotFoundError(`node ${command.nodeId} is not registered`);
      const until = command.until ?? null;
      if (state.maintenance && state.maintenance.reason === command.reason && state.maintenance.until === until)
        return [];
      return [
        {
          type: 'node.maintenance_started',
          data: {
            nodeId: state.nodeId,
            reason: command.reason,
            ...(command.until === undefined ? {} : { until: command.until }),
          },
        },
      ];
    }
    case 'EndMaintenance': {
      if (!state.exists) throw new NotFoundError(`node ${command.nodeId} is not registered`);
      if (command.reason === 'expired') {
        // Only what is still due: a maintenance started again meanwhile with a later end stays.
        const until = state.maintenance?.until;
        if (!until || Date.parse(until) > command.now.getTime()) return [];
      } else if (!state.maintenance) throw new IllegalStateError(`node ${command.nodeId} is not in maintenance`);
      return [{ type: 'node.maintenance_ended', data: { nodeId: state.nodeId, reason: command.reason } }];
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}
