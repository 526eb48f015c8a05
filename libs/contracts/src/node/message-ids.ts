import { createHash } from 'node:crypto';
import type { Inventory } from './inventory.schema';

/**
 * `Nats-Msg-Id`s of agent messages: JetStream stores a retried publish once within
 * the stream's duplicate window. Defined here so the agent, the simulator and the
 * services agree.
 */

/** A heartbeat's `seq` restarts with every agent start, so the id carries that start's boot id. */
export function heartbeatMsgId(nodeId: string, bootId: string, seq: number): string {
  return `hb:${nodeId}:${bootId}:${seq}`;
}

/** The same inventory published twice (say, after a restart) is stored once. */
export function inventoryMsgId(nodeId: string, hash: string): string {
  return `inv:${nodeId}:${hash}`;
}

/**
 * A process has at most one event of a type per millisecond (every event type needs a
 * spawn, an exit or several health checks in between), so this names one event.
 */
export function agentEventMsgId(nodeId: string, process: string, type: string, at: string): string {
  return `ae:${nodeId}:${process}:${type}:${at}`;
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** SHA-256 of the inventory without `collectedAt`: equal when nothing about the host changed. */
export function inventoryHash(inventory: Inventory): string {
  const { collectedAt: _collectedAt, ...content } = inventory;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
