import { randomBytes } from 'node:crypto';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
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
import { FleetSimulator } from './fleet-simulator';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

let nc: NatsConnection;
let jsm: JetStreamManager;
let topology: Topology;

beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
  jsm = await jetstreamManager(nc);
  topology = createTopology(`t${randomBytes(5).toString('hex')}`);
  await ensureStreams(jsm, topology);
});

afterAll(async () => {
  await deleteStreams(jsm, topology);
  await nc.drain();
});

interface Received {
  heartbeats: Heartbeat[];
  batches: SampleBatch[];
  inventories: Inventory[];
}

/** Every message of the TELEMETRY stream, each parsed with its contract schema (a bad one throws). */
async function received(): Promise<Received> {
  const stream = topology.streams.telemetry;
  const { state } = await jsm.streams.info(stream);
  const result: Received = { heartbeats: [], batches: [], inventories: [] };
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    if (!m) continue;
    const kind = topology.parse.telemetry(m.subject)?.kind;
    if (kind === 'heartbeat') result.heartbeats.push(decodeJson(Heartbeat, m.data, 'heartbeat'));
    else if (kind === 'inventory') result.inventories.push(decodeJson(Inventory, m.data, 'inventory'));
    else result.batches.push(decodeSampleBatch(m.data, 'sample batch'));
  }
  return result;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FleetSimulator against real NATS', () => {
  it('within 3 s stores valid heartbeats, inventory and sample batches for every simulated node', async () => {
    const simulator = new FleetSimulator({ nc, topology, nodes: 5, heartbeatMs: 500, sampleMs: 250, seed: 4242 });
    const ids = simulator.nodeIds();
    expect(ids).toEqual(['sim-4242-0000', 'sim-4242-0001', 'sim-4242-0002', 'sim-4242-0003', 'sim-4242-0004']);

    const started = Date.now();
    await simulator.start();
    let got = await received();
    while (Date.now() - started < 3_000 && !ids.every((id) => got.batches.filter((b) => b.nodeId === id).length >= 2)) {
      await sleep(200);
      got = await received();
    }
    expect(Date.now() - started).toBeLessThan(3_000);

    for (const id of ids) {
      expect(got.heartbeats.filter((h) => h.nodeId === id).length).toBeGreaterThanOrEqual(1);
      expect(got.inventories.filter((i) => i.nodeId === id)).toHaveLength(1);
      const seqs = got.batches.filter((b) => b.nodeId === id).map((b) => b.seq);
      expect(seqs.length).toBeGreaterThanOrEqual(2);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    const gpuBatch = got.batches.find((b) => b.nodeId === 'sim-4242-0004');
    expect(gpuBatch?.samples.some((s) => s.name === 'node_gpu_temperature_celsius' && s.value > 85)).toBe(true);

    simulator.stopNode(0);
    await sleep(300);
    const whileStopped = (await received()).batches.filter((b) => b.nodeId === ids[0]).length;
    await sleep(600);
    expect((await received()).batches.filter((b) => b.nodeId === ids[0]).length).toBe(whileStopped);

    simulator.startNode(0);
    await sleep(600);
    await simulator.stop();
    const final = await received();
    expect(final.batches.filter((b) => b.nodeId === ids[0]).length).toBeGreaterThan(whileStopped);
    expect(final.heartbeats.filter((h) => h.nodeId === ids[0] && h.seq === 0)).toHaveLength(2);
  });
});
