import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jetstream, type JetStreamManager, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  createTopology,
  decodeJson,
  decodeSampleBatch,
  deleteStreams,
  ensureStreams,
  Heartbeat,
  Inventory,
  type SampleBatch,
  type Topology,
} from '@vigil/contracts';
import { startTracing, type TracingHandle } from '@vigil/telemetry';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Agent, type AgentSettings } from './agent';
import { systemClock } from './clock';
import { createHostCollectors } from './collectors';
import { ConfigManager } from './config/config-manager';
import { readHostFacts } from './inventory/host-facts';
import { JetStreamPublisher } from './publish/jetstream.publisher';
import { AgentMetrics } from './self-metrics/agent-metrics';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const logger = pino({ level: 'silent' });

let nc: NatsConnection;
let jsm: JetStreamManager;
let topology: Topology;
let stateDir: string;
let tracing: TracingHandle;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'node-agent-test', instrumentations: [] });
  nc = await connect({ servers: NATS_URL });
  jsm = await jetstreamManager(nc);
  topology = createTopology(`t${randomBytes(5).toString('hex')}`);
  await ensureStreams(jsm, topology);
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-agent-int-'));
});

afterAll(async () => {
  await deleteStreams(jsm, topology);
  await nc.drain();
  await rm(stateDir, { recursive: true, force: true });
  await tracing.shutdown();
});

function newAgent(): Agent {
  const settings: AgentSettings = {
    topology,
    stateDir,
    hostname: 'agent-int-test',
  };
  const document = {
    heartbeatIntervalMs: 300,
    sampleIntervalMs: 100,
    inventoryIntervalMs: 60_000,
    labels: { env: 'test' },
  };
  return new Agent(settings, {
    config: ConfigManager.create([{ name: 'file', document }], logger),
    collectors: (agentLogger, config) =>
      createHostCollectors({ clock: systemClock, logger: agentLogger }, config.collectors),
    hostFacts: readHostFacts,
    publisher: new JetStreamPublisher(jetstream(nc)),
    metrics: new AgentMetrics(new Registry()),
    clock: systemClock,
    logger,
  });
}

async function storedMessages(): Promise<StoredMsg[]> {
  const { state } = await jsm.streams.info(topology.streams.telemetry);
  const messages: StoredMsg[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(topology.streams.telemetry, { seq });
    if (m) messages.push(m);
  }
  return messages;
}

interface Telemetry {
  heartbeats: Heartbeat[];
  batches: SampleBatch[];
  inventories: Inventory[];
  withoutTraceparent: string[];
}

async function telemetryOf(nodeId: string): Promise<Telemetry> {
  const t: Telemetry = { heartbeats: [], batches: [], inventories: [], withoutTraceparent: [] };
  for (const m of await storedMessages()) {
    if (!m.header.has('traceparent')) t.withoutTraceparent.push(m.subject);
    if (m.subject === topology.subjects.heartbeat(nodeId))
      t.heartbeats.push(decodeJson(Heartbeat, m.data, 'heartbeat'));
    else if (m.subject === topology.subjects.inventory(nodeId))
      t.inventories.push(decodeJson(Inventory, m.data, 'inventory'));
    else t.batches.push(decodeSampleBatch(m.data, 'sample batch'));
  }
  return t;
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Agent against real NATS', () => {
  it('publishes valid heartbeats, sample batches and inventory, and keeps its identity and sequence across a restart', async () => {
    const first = newAgent();
    await first.start();
    const nodeId = first.nodeId;
    const before = await eventually(
      () => telemetryOf(nodeId),
      (t) => t.heartbeats.length >= 1 && t.inventories.length === 1 && t.batches.length >= 3,
    );
    await first.stop();

    expect(before.withoutTraceparent).toEqual([]);
    expect(before.heartbeats[0]).toMatchObject({ nodeId, seq: 0, hostname: 'agent-int-test', labels: { env: 'test' } });
    expect(before.inventories[0]).toMatchObject({ nodeId, hostname: 'agent-int-test', os: { platform: 'linux' } });
    expect(before.batches.every((b) => b.nodeId === nodeId)).toBe(true);
    const names = new Set(before.batches.flatMap((b) => b.samples.map((s) => s.name)));
    for (const name of [
      'node_load1',
      'node_memory_used_ratio',
      'node_cpu_usage_percent',
      'vigil_agent_collector_success',
    ]) {
      expect(names).toContain(name);
    }
    const seqsBefore = before.batches.map((b) => b.seq);
    expect(seqsBefore).toEqual([...seqsBefore].sort((a, b) => a - b));
    const lastSeqBefore = Math.max(...seqsBefore);
    expect(Number(await readFile(path.join(stateDir, 'seq'), 'utf8'))).toBeGreaterThan(lastSeqBefore);

    const second = newAgent();
    await second.start();
    expect(second.nodeId).toBe(nodeId);
    const after = await eventually(
      () => telemetryOf(nodeId),
      (t) => t.batches.length > before.batches.length && t.heartbeats.length > before.heartbeats.length,
    );
    await second.stop();

    const newBatches = after.batches.slice(before.batches.length);
    expect(newBatches.length).toBeGreaterThan(0);
    expect(Math.min(...newBatches.map((b) => b.seq))).toBeGreaterThan(lastSeqBefore);
    // The restarted agent's heartbeats start again at seq 0 and are stored, not taken for duplicates.
    expect(after.heartbeats.filter((h) => h.seq === 0)).toHaveLength(2);
    // Same host, same inventory: the second publish is de-duplicated by its content hash.
    expect(after.inventories).toHaveLength(1);
  });
});
