import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  createTopology,
  decodeJson,
  decodeSampleBatch,
  ensureStreams,
  Heartbeat,
  partitionOf,
  type SampleBatch,
  type Topology,
} from '@vigil/contracts';
import { eventually, freePort, repoRoot, ServiceProcess, uniqueId } from '@vigil/test-support';
import { SEQ_FILE, SEQ_PERSIST_EVERY, SEQ_RESTART_GAP } from '../state/batch-sequence';
import { NODE_ID_FILE } from '../state/node-identity';
import { SPOOL_SUBDIR } from './file-spool';
import { scanFrames } from './record-frame';
import { SpoolMetric } from './spool-metrics';

jest.setTimeout(150_000);

const OUTAGE_MS = 60_000;
const SAMPLE_MS = 200;
/** How long an agent started without NATS runs before the server comes up. */
const DOWN_AT_START_MS = 5_000;
/** The agent's first batch is made this soon after its process is spawned, NATS or not. */
const FIRST_BATCH_WITHIN_MS = 2_000;

/** nats-server with JetStream on a fixed port and store, so a restart is the same server. */
class NatsServer {
  private child?: ChildProcess;

  constructor(
    readonly port: number,
    private readonly storeDir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Server is ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`nats-server exited with ${code}:\n${log}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

let workDir: string;
let nats: NatsServer;
let topology: Topology;
const agents: ServiceProcess[] = [];

beforeAll(async () => {
  const build = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'apps/node-agent/tsconfig.app.json'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );
  if (build.status !== 0) throw new Error(`the agent does not build:\n${build.stdout}${build.stderr}`);
  workDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-outage-'));
  nats = new NatsServer(await freePort(), path.join(workDir, 'nats'));
  await nats.start();
  topology = createTopology(uniqueId());
  await withJsm((jsm) => ensureStreams(jsm, topology));
}, 120_000);

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop()));
  await nats?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** A connection per use: the test's own would give up reconnecting during the outage. */
async function withJsm<T>(use: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: nats.url });
  try {
    return await use(await jetstreamManager(nc));
  } finally {
    await nc.close();
  }
}

function startAgent(stateDir: string): ServiceProcess {
  const agent = new ServiceProcess('node-agent', {
    NATS_URL: nats.url,
    VIGIL_NATS_PREFIX: topology.prefix,
    VIGIL_PARTITIONS: String(topology.partitions),
    VIGIL_AGENT_STATE_DIR: stateDir,
    VIGIL_AGENT_SAMPLE_MS: String(SAMPLE_MS),
    VIGIL_AGENT_HEARTBEAT_MS: '1000',
  }).start();
  agents.push(agent);
  return agent;
}

const newStateDir = () => mkdtemp(path.join(workDir, 'agent-'));
const nodeIdIn = (stateDir: string) =>
  eventually(async () => (await readFile(path.join(stateDir, NODE_ID_FILE), 'utf8')).trim(), { what: 'the node id' });
const storedSeqFile = async (stateDir: string) =>
  Number((await readFile(path.join(stateDir, SEQ_FILE), 'utf8')).trim());
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const sampleValue = (batch: SampleBatch, name: string) => batch.samples.find((s) => s.name === name)?.value;
const samplesSubject = (nodeId: string) => topology.subjects.samples(partitionOf(nodeId, topology.partitions), nodeId);

async function newestBatch(nodeId: string): Promise<SampleBatch | undefined> {
  return withJsm(async (jsm) => {
    const m = await jsm.streams
      .getMessage(topology.streams.telemetry, { last_by_subj: samplesSubject(nodeId) })
      .catch(() => null);
    return m ? decodeSampleBatch(m.data, 'sample batch') : undefined;
  });
}

/**
 * Until the newest stored batch was made after `since` with the spool empty: then every
 * batch before it is stored, and the ones after it go live.
 */
async function caughtUp(agent: ServiceProcess, nodeId: string, since: number): Promise<void> {
  await eventually(
    async () => {
      const batch = await newestBatch(nodeId);
      return !!batch && batch.timestamp > since && sampleValue(batch, SpoolMetric.messages) === 0;
    },
    { timeoutMs: 30_000, intervalMs: 250, what: 'the agent to replay its spool' },
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n--- agent log tail ---\n${agent.lines.slice(-30).join('\n')}`);
  });
}

/** Every stored sample batch and heartbeat of the node, in stream order. */
async function storedTelemetry(nodeId: string): Promise<{ batches: SampleBatch[]; heartbeats: Heartbeat[] }> {
  return withJsm(async (jsm) => {
    const { state } = await jsm.streams.info(topology.streams.telemetry);
    const batches: SampleBatch[] = [];
    const heartbeats: Heartbeat[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(topology.streams.telemetry, { seq });
      if (m?.subject === samplesSubject(nodeId)) batches.push(decodeSampleBatch(m.data, 'sample batch'));
      if (m?.subject === topology.subjects.heartbeat(nodeId))
        heartbeats.push(decodeJson(Heartbeat, m.data, 'heartbeat'));
    }
    return { batches, heartbeats };
  });
}

/** The sequence numbers of the sample batches in an agent's spool, read as the agent left it. */
async function spooledSeqs(stateDir: string): Promise<number[]> {
  const dir = path.join(stateDir, SPOOL_SUBDIR);
  const seqs: number[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.seg')).sort()) {
    for (const { message } of scanFrames(await readFile(path.join(dir, file))).records) {
      if (message.kind === 'samples') seqs.push(decodeSampleBatch(message.data, 'spooled batch').seq);
    }
  }
  return seqs;
}

async function waitForBatches(nodeId: string, count: number): Promise<void> {
  await eventually(async () => ((await newestBatch(nodeId))?.seq ?? -1) >= count - 1, {
    what: `${count} sample batches`,
  });
}

/**
 * The agent's "never lose data" guarantee, end to end: the real agent process against the
 * test's own nats-server, which is stopped and started again (same store) under it.
 */
describe('the agent through a NATS outage', () => {
  it('stores every sample batch exactly once, in order and with its original timestamp, after 60 s without NATS', async () => {
    const stateDir = await newStateDir();
    const agent = startAgent(stateDir);
    const nodeId = await nodeIdIn(stateDir);
    await waitForBatches(nodeId, 5);

    await nats.stop();
    const outageStart = Date.now();
    await sleep(OUTAGE_MS);
    expect(agent.running()).toBe(true);
    const outageEnd = Date.now();
    await nats.start();
    await caughtUp(agent, nodeId, outageEnd);
    expect(await agent.stop()).toBe(0);

    // A clean stop saves the next sequence number: the agent made batches 0 … next - 1.
    const next = await storedSeqFile(stateDir);
    const { batches, heartbeats } = await storedTelemetry(nodeId);
    expect(batches.map((b) => b.seq)).toEqual(range(0, next));

    const madeDuringOutage = batches.filter((b) => b.timestamp > outageStart && b.timestamp < outageEnd);
    expect(madeDuringOutage.length).toBeGreaterThan((OUTAGE_MS / SAMPLE_MS) * 0.5);
    // Heartbeats are not spooled: none made while NATS was down was stored later.
    expect(heartbeats.filter((h) => Date.parse(h.sentAt) > outageStart && Date.parse(h.sentAt) < outageEnd)).toEqual(
      [],
    );

    const last = batches[batches.length - 1];
    const spooled = sampleValue(last, SpoolMetric.spooled);
    expect(spooled).toBeGreaterThanOrEqual(madeDuringOutage.length);
    expect(sampleValue(last, SpoolMetric.replayed)).toBe(spooled);
    expect(sampleValue(last, SpoolMetric.dropped)).toBe(0);
  });

  it('loses nothing it spooled when killed during the outage and restarted before NATS returns', async () => {
    // The 60 s outage is the case above; a short one is enough here and keeps the file short.
    const stateDir = await newStateDir();
    const first = startAgent(stateDir);
    const nodeId = await nodeIdIn(stateDir);
    await waitForBatches(nodeId, 5);

    await nats.stop();
    await sleep(4_000);
    first.kill('SIGKILL');
    await first.waitExit();
    const spooledByFirst = await spooledSeqs(stateDir);
    const persistedByFirst = await storedSeqFile(stateDir);
    expect(spooledByFirst.length).toBeGreaterThan(5);

    const second = startAgent(stateDir);
    await sleep(3_000);
    expect(second.running()).toBe(true);
    const natsBack = Date.now();
    await nats.start();
    await caughtUp(second, nodeId, natsBack);
    expect(await second.stop()).toBe(0);

    // The first run's last batch is its newest spooled one. It saved its sequence number at
    // least every SEQ_PERSIST_EVERY batches, so that batch is less than that past the saved
    // value, and the second run starts SEQ_RESTART_GAP past it. The numbers in between are
    // the restart jump, plus at most a batch the first run was making when it was killed
    // (its number taken, not yet written to the spool): no batch was ever made with them.
    const lastOfFirst = Math.max(...spooledByFirst);
    const firstOfSecond = persistedByFirst + SEQ_RESTART_GAP;
    expect(lastOfFirst - persistedByFirst).toBeLessThan(SEQ_PERSIST_EVERY);
    const next = await storedSeqFile(stateDir);
    const { batches } = await storedTelemetry(nodeId);
    expect(batches.map((b) => b.seq)).toEqual([...range(0, lastOfFirst + 1), ...range(firstOfSecond, next)]);
  });
});

/** The agent does not wait for NATS: it collects from its start and spools until NATS is reachable. */
describe('an agent started while NATS is down', () => {
  afterEach(async () => {
    if (!nats.running) await nats.start();
  });

  it('collects from its start and stores every batch exactly once, in order, once NATS comes up', async () => {
    await nats.stop();
    const stateDir = await newStateDir();
    const spawnedAt = Date.now();
    const agent = startAgent(stateDir);
    const nodeId = await nodeIdIn(stateDir);
    await sleep(DOWN_AT_START_MS);
    expect(agent.running()).toBe(true);
    const natsUp = Date.now();
    await nats.start();
    await caughtUp(agent, nodeId, natsUp);
    expect(await agent.stop()).toBe(0);

    const next = await storedSeqFile(stateDir);
    const { batches, heartbeats } = await storedTelemetry(nodeId);
    expect(batches.map((b) => b.seq)).toEqual(range(0, next));
    expect(batches[0].timestamp - spawnedAt).toBeLessThan(FIRST_BATCH_WITHIN_MS);
    const madeBeforeNats = batches.filter((b) => b.timestamp < natsUp);
    expect(madeBeforeNats.length).toBeGreaterThan(((DOWN_AT_START_MS - FIRST_BATCH_WITHIN_MS) / SAMPLE_MS) * 0.5);
    // Heartbeats are not spooled: those made before NATS was reachable were dropped.
    expect(heartbeats.filter((h) => Date.parse(h.sentAt) < natsUp)).toEqual([]);
  });

  it('stops promptly with exit code 0 when NATS was never reachable, keeping its spool and sequence number', async () => {
    await nats.stop();
    const stateDir = await newStateDir();
    const agent = startAgent(stateDir);
    await nodeIdIn(stateDir);
    await sleep(3_000);

    const stopping = Date.now();
    expect(await agent.stop()).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(3_000);
    // A clean stop saves the next sequence number: every batch before it is in the spool.
    const next = await storedSeqFile(stateDir);
    expect(next).toBeGreaterThan(5);
    expect(await spooledSeqs(stateDir)).toEqual(range(0, next));
  });
});
