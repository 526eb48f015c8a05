import { partitionOf } from '../partition';
import { createTopology } from '../topology';
import { SupervisorEvent } from '../agent/supervisor-event.schema';
import { agentEventMessage, heartbeatMessage, inventoryMessage, sampleBatchMessage } from './agent-messages';
import { Heartbeat } from './heartbeat.schema';
import type { Inventory } from './inventory.schema';
import { inventoryHash } from './message-ids';
import { decodeSampleBatch } from './samples.schema';

const topology = createTopology('t1', 16);
const nodeId = 'node-1';
const decode = (data: Uint8Array): unknown => JSON.parse(Buffer.from(data).toString('utf8'));

const inventory: Inventory = {
  nodeId,
  collectedAt: '2025-01-01T00:00:00.000Z',
  hostname: 'web-01',
  os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0', arch: 'x64' },
  cpu: { model: 'Intel Xeon', cores: 2, physicalCores: 2 },
  memoryBytes: 1024,
  disks: [],
  interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', ipv4: ['10.0.0.1'], ipv6: [] }],
  gpus: [],
  agentVersion: '0.1.0',
  labels: { env: 'prod' },
};

describe('heartbeatMessage', () => {
  it('goes to the node heartbeat subject with an id unique per boot and seq', () => {
    const heartbeat: Heartbeat = {
      nodeId,
      seq: 3,
      sentAt: '2025-01-01T00:00:00.000Z',
      hostname: 'web-01',
      agentVersion: '0.1.0',
      uptimeSeconds: 15,
      intervalMs: 5000,
      labels: {},
    };
    const message = heartbeatMessage(topology, heartbeat, 'boot-a');
    expect(message).toMatchObject({
      kind: 'heartbeat',
      subject: 't1.telemetry.heartbeat.node-1',
      msgId: 'hb:node-1:boot-a:3',
    });
    expect(Heartbeat.parse(decode(message.data))).toEqual(heartbeat);
  });

  it('refuses a heartbeat the contract does not accept', () => {
    expect(() => heartbeatMessage(topology, { nodeId } as Heartbeat, 'boot-a')).toThrow();
  });
});

describe('sampleBatchMessage', () => {
  it('goes to the node partition subject with <nodeId>:<seq> as message id', () => {
    const batch = {
      nodeId,
      seq: 42,
      timestamp: 1_700_000_000_000,
      intervalMs: 1000,
      samples: [{ name: 'node_load1', labels: {}, value: 0.5 }],
    };
    const message = sampleBatchMessage(topology, batch);
    expect(message.subject).toBe(`t1.telemetry.samples.${partitionOf(nodeId, 16)}.node-1`);
    expect(message.msgId).toBe('node-1:42');
    expect(decodeSampleBatch(message.data)).toEqual(batch);
    expect(decode(message.data)).toMatchObject({ v: 2, series: 'node_load1{}', values: [0.5] });
  });
});

describe('inventoryMessage', () => {
  it('is identified by the hash of its content, whatever the collection time and key order', () => {
    const later = { ...inventory, collectedAt: '2025-06-01T00:00:00.000Z' };
    const reordered = Object.fromEntries(Object.entries(inventory).reverse()) as Inventory;
    expect(inventoryHash(later)).toBe(inventoryHash(inventory));
    expect(inventoryHash(reordered)).toBe(inventoryHash(inventory));
    expect(inventoryHash({ ...inventory, memoryBytes: 2048 })).not.toBe(inventoryHash(inventory));

    const message = inventoryMessage(topology, inventory);
    expect(message.subject).toBe('t1.telemetry.inventory.node-1');
    expect(message.msgId).toBe(`inv:node-1:${message.hash}`);
    expect(message.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('agentEventMessage', () => {
  const exited: SupervisorEvent = {
    nodeId,
    process: 'node_exporter',
    type: 'exited',
    at: '2025-01-01T00:00:00.000Z',
    pid: 4242,
    signal: 'SIGKILL',
  };

  it('goes to the node agent-events subject under telemetry, one id per process, type and time', () => {
    const message = agentEventMessage(topology, exited);
    expect(message).toMatchObject({
      kind: 'agent-event',
      subject: 't1.telemetry.agent-events.node-1',
      msgId: 'ae:node-1:node_exporter:exited:2025-01-01T00:00:00.000Z',
    });
    expect(SupervisorEvent.parse(decode(message.data))).toEqual(exited);
  });

  it('refuses an event the contract does not accept', () => {
    expect(() => agentEventMessage(topology, { ...exited, type: 'crashed' } as unknown as SupervisorEvent)).toThrow();
    expect(() => agentEventMessage(topology, { ...exited, signal: 'kill' })).toThrow();
  });
});
