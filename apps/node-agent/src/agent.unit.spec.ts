import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentConfig, createTopology, decodeSampleBatch, Heartbeat, Inventory } from '@vigil/contracts';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Agent } from './agent';
import type { Clock } from './clock';
import { ConfigManager, type ConfigView } from './config/config-manager';
import type { HostFacts } from './inventory/host-facts';
import type { OutboundMessage, Publisher } from './publish/publisher';
import { AgentMetrics } from './self-metrics/agent-metrics';

const facts: HostFacts = {
  os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1', arch: 'x64' },
  cpu: { model: 'Xeon', cores: 4, physicalCores: 2 },
  memoryBytes: 8 * 1024 ** 3,
  disks: [],
  interfaces: [],
  gpus: [],
};

/** Rejects every publish while `down` is true; keeps what it accepted. */
class FlakyPublisher implements Publisher {
  down = false;
  readonly accepted: OutboundMessage[] = [];

  async publish(message: OutboundMessage): Promise<void> {
    if (this.down) throw new Error('no connection');
    this.accepted.push(message);
  }
}

const clock: Clock = { now: () => 1_750_000_000_000, monotonicMs: () => performance.now() };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const decode = (m: OutboundMessage) => JSON.parse(Buffer.from(m.data).toString('utf8'));
const decodeBatch = (m: OutboundMessage) => decodeSampleBatch(m.data);

/** Intervals below AgentConfig's 100 ms minimum keep these tests fast; nothing changes them. */
const fastConfig: ConfigView = {
  current: () => ({
    ...AgentConfig.parse({}),
    heartbeatIntervalMs: 20,
    sampleIntervalMs: 10,
    inventoryIntervalMs: 60_000,
  }),
  applied: () => ({ version: 'test', status: 'applied' }),
  onChange: () => () => {},
};

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-agent-unit-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

function newAgent(publisher: Publisher, nodeIdOverride?: string, config = fastConfig): Agent {
  return new Agent(
    {
      topology: createTopology('unit'),
      stateDir,
      hostname: 'unit-host',
      nodeIdOverride,
    },
    {
      config,
      collectors: () => [
        { collector: { name: 'fixed', collect: async () => [{ name: 'node_load1', labels: {}, value: 0.5 }] } },
      ],
      hostFacts: async () => facts,
      publisher,
      metrics: new AgentMetrics(new Registry()),
      clock,
      logger: pino({ level: 'silent' }),
    },
  );
}

describe('Agent', () => {
  it('keeps running while publishing fails, and counts the failures and batches sent in its batches', async () => {
    const publisher = new FlakyPublisher();
    publisher.down = true;
    const agent = newAgent(publisher);
    await agent.start();
    await sleep(100);
    publisher.down = false;
    await sleep(60);
    await agent.stop();

    const batches = publisher.accepted.filter((m) => m.kind === 'samples').map(decodeBatch);
    expect(batches.length).toBeGreaterThan(0);
    const failures = batches[0].samples.filter((s) => s.name === 'vigil_agent_publish_errors_total');
    expect(failures.map((s) => s.labels.kind).sort()).toEqual(['agent-event', 'heartbeat', 'inventory', 'samples']);
    expect(failures.find((s) => s.labels.kind === 'samples')?.value).toBeGreaterThan(0);
    const last = batches.at(-1)?.samples ?? [];
    expect(last.find((s) => s.name === 'vigil_agent_batches_sent_total')?.value).toBe(batches.length - 1);
    expect(last).toContainEqual({ name: 'vigil_agent_collector_success', labels: { collector: 'fixed' }, value: 1 });
    // The inventory that failed at start is retried at heartbeat pace, not only at the next check.
    expect(publisher.accepted.filter((m) => m.kind === 'inventory').length).toBeGreaterThan(0);
    expect(publisher.accepted.some((m) => m.kind === 'heartbeat')).toBe(true);
  });

  it('stamps batches with the clock and uses an overriding node id', async () => {
    const publisher = new FlakyPublisher();
    const agent = newAgent(publisher, 'pinned-node');
    await agent.start();
    await sleep(30);
    await agent.stop();
    expect(agent.nodeId).toBe('pinned-node');
    const [batch] = publisher.accepted.filter((m) => m.kind === 'samples').map(decodeBatch);
    expect(batch).toMatchObject({ nodeId: 'pinned-node', seq: 0, timestamp: 1_750_000_000_000, intervalMs: 10 });
    expect(publisher.accepted.filter((m) => m.kind === 'inventory')).toHaveLength(1);
  });

  it('applies a config change live: intervals, labels and the applied version in heartbeats', async () => {
    const publisher = new FlakyPublisher();
    const config = ConfigManager.create(
      [{ name: 'file', version: '1', document: { heartbeatIntervalMs: 5_000 } }],
      pino({ level: 'silent' }),
    );
    const agent = newAgent(publisher, 'live-node', config);
    await agent.start();
    await sleep(50);
    config.set({ name: 'fleet', version: '2', document: { heartbeatIntervalMs: 100, labels: { env: 'prod' } } });
    await sleep(350);
    config.set({ name: 'node', version: '3', document: { heartbeatIntervalMs: -1 } });
    await sleep(250);
    await agent.stop();

    const heartbeats = publisher.accepted.filter((m) => m.kind === 'heartbeat').map((m) => Heartbeat.parse(decode(m)));
    expect(heartbeats[0]).toMatchObject({
      intervalMs: 5_000,
      labels: {},
      config: { version: 'file:1', status: 'applied' },
    });
    // Without the change the next heartbeat would come after 5 s.
    const live = heartbeats.filter((h) => h.config?.version === 'file:1+fleet:2');
    expect(live.length).toBeGreaterThanOrEqual(4);
    expect(live[0]).toMatchObject({ intervalMs: 100, labels: { env: 'prod' }, config: { status: 'applied' } });
    expect(heartbeats.at(-1)).toMatchObject({
      intervalMs: 100,
      labels: { env: 'prod' },
      config: { version: 'file:1+fleet:2', status: 'rejected', error: expect.stringContaining('heartbeatIntervalMs') },
    });
    // The new labels are in the inventory at once, not at the next inventory check.
    const inventories = publisher.accepted.filter((m) => m.kind === 'inventory').map((m) => Inventory.parse(decode(m)));
    expect(inventories.map((i) => i.labels)).toEqual([{}, { env: 'prod' }]);
  });
});
