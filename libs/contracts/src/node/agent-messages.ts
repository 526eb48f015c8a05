import { SupervisorEvent } from '../agent/supervisor-event.schema';
import { partitionOf } from '../partition';
import type { Topology } from '../topology';
import { encodeJson } from '../validation';
import { Heartbeat } from './heartbeat.schema';
import { Inventory } from './inventory.schema';
import { agentEventMsgId, heartbeatMsgId, inventoryHash, inventoryMsgId } from './message-ids';
import { encodeSampleBatch, SampleBatch, sampleBatchMsgId } from './samples.schema';

export type AgentMessageKind = 'heartbeat' | 'samples' | 'inventory' | 'agent-event';

/**
 * A message as an agent sends it: validated against its contract, encoded, on its
 * subject, with its de-duplication id. The real agent and the fleet simulator both
 * build their messages here, so they cannot drift apart.
 */
export interface AgentMessage {
  kind: AgentMessageKind;
  subject: string;
  msgId: string;
  data: Uint8Array;
}

export function heartbeatMessage(topology: Topology, heartbeat: Heartbeat, bootId: string): AgentMessage {
  const valid = Heartbeat.parse(heartbeat);
  return {
    kind: 'heartbeat',
    subject: topology.subjects.heartbeat(valid.nodeId),
    msgId: heartbeatMsgId(valid.nodeId, bootId, valid.seq),
    data: encodeJson(valid),
  };
}

export function sampleBatchMessage(topology: Topology, batch: SampleBatch): AgentMessage {
  const valid = SampleBatch.parse(batch);
  return {
    kind: 'samples',
    subject: topology.subjects.samples(partitionOf(valid.nodeId, topology.partitions), valid.nodeId),
    msgId: sampleBatchMsgId(valid.nodeId, valid.seq),
    data: encodeSampleBatch(valid),
  };
}

export interface InventoryMessage extends AgentMessage {
  hash: string;
}

export function inventoryMessage(topology: Topology, inventory: Inventory): InventoryMessage {
  const valid = Inventory.parse(inventory);
  const hash = inventoryHash(valid);
  return {
    kind: 'inventory',
    subject: topology.subjects.inventory(valid.nodeId),
    msgId: inventoryMsgId(valid.nodeId, hash),
    data: encodeJson(valid),
    hash,
  };
}

export function agentEventMessage(topology: Topology, event: SupervisorEvent): AgentMessage {
  const valid = SupervisorEvent.parse(event);
  return {
    kind: 'agent-event',
    subject: topology.subjects.agentEvents(valid.nodeId),
    msgId: agentEventMsgId(valid.nodeId, valid.process, valid.type, valid.at),
    data: encodeJson(valid),
  };
}
