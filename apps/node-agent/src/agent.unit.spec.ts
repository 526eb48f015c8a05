import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTopology, SampleBatch } from '@vigil/contracts';
import pino from 'pino';
import { Agent } from './agent';
import type { Clock } from './clock';
import type { HostFacts } from './inventory/host-facts';
import type { OutboundMessage, Publisher } from './publish/publisher';

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
const decodeBatch = (m: OutboundMessage) => SampleBatch.parse(JSON.parse(Buffer.from(m.data).toString('utf8')));

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-agent-unit-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

function newAgent(publisher: Publisher, nodeIdOverride?: string): Agent {
  return new Agent(
    {
      topology: createTopology('unit'),
      stateDir,
      hostname: 'unit-host',
      labels: {},
      heartbeatMs: 20,
      sampleMs: 10,
      inventoryCheckMs: 60_000,
      nodeIdOverride,
    },
    {
      collectors: () => [{ name: 'fixed', collect: async () => [{ name: 'node_load1', labels: {}, value: 0.5 }] }],
      hostFacts: async () => facts,
      publisher,
      clock,
      logger: pino({ level: 'silent' }),
    },
  );
}

describe('Agent', () => {
  it('keeps running while publishing fails, and counts the failures in its batches', async () => {
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
    const failures = batches[0].samples.filter((s) => s.name === 'vigil_agent_publish_failures_total');
    expect(failures.map((s) => s.labels.kind).sort()).toEqual(['heartbeat', 'inventory', 'samples']);
    expect(failures.find((s) => s.labels.kind === 'samples')?.value).toBeGreaterThan(0);
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
});
