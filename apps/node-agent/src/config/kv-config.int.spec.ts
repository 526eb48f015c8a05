import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type KV, Kvm } from '@nats-io/kv';
import { agentConfigKeys, type Heartbeat } from '@vigil/contracts';
import { createTestBus, eventually, type TestBus, uniqueId } from '@vigil/test-support';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Agent } from '../agent';
import { systemClock } from '../clock';
import { JetStreamPublisher } from '../publish/jetstream.publisher';
import { AgentMetrics } from '../self-metrics/agent-metrics';
import { ConfigManager } from './config-manager';
import { HeartbeatRecorder } from './fixtures/heartbeat-recorder';
import { KvConfigSource } from './kv-config-source';

const logger = pino({ level: 'silent' });
const facts = {
  os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1', arch: 'x64' },
  cpu: { model: 'Xeon', cores: 4, physicalCores: 2 },
  memoryBytes: 8 * 1024 ** 3,
  disks: [],
  interfaces: [],
  gpus: [],
};

let bus: TestBus;
let kv: KV;
let stateDir: string;

beforeAll(async () => {
  bus = await createTestBus();
  kv = await new Kvm(bus.nc).create(bus.topology.buckets.agentConfig);
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-agent-config-int-'));
});

afterAll(async () => {
  await kv.destroy();
  await bus.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** Gaps between consecutive heartbeats, in ms. */
const gaps = (hs: Heartbeat[]) => hs.slice(1).map((h, i) => Date.parse(h.sentAt) - Date.parse(hs[i].sentAt));

describe('remote config from the KV bucket, applied by a running agent', () => {
  it('follows fleet and node documents live, rejects an invalid one and falls back when a key is deleted', async () => {
    const nodeId = uniqueId('node-');
    const config = ConfigManager.create(
      [{ name: 'file', version: 'f1', document: { heartbeatIntervalMs: 3_000, labels: { env: 'test' } } }],
      logger,
    );
    // Already there when the agent starts: in effect from the first heartbeat.
    await kv.put(agentConfigKeys.fleet, JSON.stringify({ version: 'v1', labels: { team: 'sre' } }));
    const recorder = await HeartbeatRecorder.start(bus.js, bus.topology, nodeId);
    const agent = new Agent(
      { topology: bus.topology, stateDir, hostname: 'config-int-test', nodeIdOverride: nodeId },
      {
        config,
        remoteConfig: new KvConfigSource(new Kvm(bus.nc), config, logger, {
          bucket: bus.topology.buckets.agentConfig,
          initialLoadTimeoutMs: 5_000,
          retryDelayMs: 100,
        }),
        collectors: () => [],
        hostFacts: async () => facts,
        publisher: new JetStreamPublisher(bus.js),
        metrics: new AgentMetrics(new Registry()),
        clock: systemClock,
        logger,
      },
    );
    await agent.start();
    try {
      const [first] = await eventually(() => recorder.since(0, (hs) => hs.length >= 1), {
        what: 'the first heartbeat',
      });
      expect(first).toMatchObject({
        seq: 0,
        intervalMs: 3_000,
        labels: { env: 'test', team: 'sre' },
        config: { version: 'file:f1+fleet:v1', status: 'applied' },
      });

      // A fleet document without a version is named by its KV revision.
      const fleetRevision = await kv.put(
        agentConfigKeys.fleet,
        JSON.stringify({ heartbeatIntervalMs: 200, labels: { team: 'db' } }),
      );
      const fleetVersion = `file:f1+fleet:${fleetRevision}`;
      const onFleet = await eventually(
        () => recorder.since(1, (hs) => hs.filter((h) => h.config?.version === fleetVersion).length >= 5),
        { what: 'five heartbeats on the new fleet config' },
      );
      const live = onFleet.filter((h) => h.config?.version === fleetVersion);
      for (const h of live) {
        expect(h).toMatchObject({
          intervalMs: 200,
          labels: { env: 'test', team: 'db' },
          config: { status: 'applied' },
        });
        expect(h.config?.error).toBeUndefined();
      }
      // The new cadence, without a restart: one boot, so the sequence runs on.
      for (const gap of gaps(live)) expect(gap).toBeGreaterThan(100);
      for (const gap of gaps(live)) expect(gap).toBeLessThan(800);
      expect(live.map((h) => h.seq)).toEqual(live.map((_, i) => live[0].seq + i));

      const nodeKey = agentConfigKeys.node(nodeId);
      await kv.put(nodeKey, 'version: n1\nlabels: { rack: r7 }\n');
      const nodeVersion = `${fleetVersion}+node:n1`;
      const [onNode] = await eventually(
        () =>
          recorder
            .since(0, (hs) => hs.some((h) => h.config?.version === nodeVersion))
            ?.filter((h) => h.config?.version === nodeVersion),
        { what: 'a heartbeat on the node document' },
      );
      expect(onNode).toMatchObject({ labels: { env: 'test', team: 'db', rack: 'r7' }, config: { status: 'applied' } });

      const badRevision = await kv.put(nodeKey, JSON.stringify({ sampleIntervalMs: -5, labels: { rack: 'r8' } }));
      const rejected = await eventually(() => recorder.heartbeats.find((h) => h.config?.status === 'rejected'), {
        what: 'a heartbeat reporting the rejection',
      });
      // Still on the last good config, and saying why the new one was refused.
      expect(rejected).toMatchObject({ intervalMs: 200, labels: { env: 'test', team: 'db', rack: 'r7' } });
      expect(rejected.config).toEqual({
        version: nodeVersion,
        status: 'rejected',
        error: expect.stringContaining(`${fleetVersion}+node:${badRevision} rejected: sampleIntervalMs:`),
      });

      const seen = recorder.heartbeats.length;
      await kv.delete(nodeKey);
      const [back] = await eventually(
        () =>
          recorder
            .since(seen, (hs) => hs.some((h) => h.config?.status === 'applied'))
            ?.filter((h) => h.config?.status === 'applied'),
        { what: 'a heartbeat back on the fleet config' },
      );
      expect(back).toMatchObject({
        intervalMs: 200,
        labels: { env: 'test', team: 'db' },
        config: { version: fleetVersion },
      });
      expect(back.labels).not.toHaveProperty('rack');
      expect(back.config?.error).toBeUndefined();
    } finally {
      await agent.stop();
      await recorder.stop();
    }
  }, 30_000);
});
