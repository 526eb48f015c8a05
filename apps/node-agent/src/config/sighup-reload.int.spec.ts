import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kvm } from '@nats-io/kv';
import { createTestBus, eventually, ServiceProcess, type TestBus, testUrls, uniqueId } from '@vigil/test-support';
import { HeartbeatRecorder } from './fixtures/heartbeat-recorder';

/** Runs the built agent (`npx tsc -b apps/node-agent/tsconfig.app.json`; `npm test` builds first). */
let bus: TestBus;
let dir: string;

beforeAll(async () => {
  bus = await createTestBus();
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-agent-sighup-'));
});

afterAll(async () => {
  // The agent creates the bucket when it first opens it.
  await (await new Kvm(bus.nc).open(bus.topology.buckets.agentConfig)).destroy().catch(() => undefined);
  await bus.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the built agent on SIGHUP', () => {
  it('reads its config file again and applies it without a restart; a broken file is rejected', async () => {
    const nodeId = uniqueId('node-');
    const file = path.join(dir, 'agent.yaml');
    await writeFile(file, 'version: "1"\nheartbeatIntervalMs: 200\nlabels: { env: before }\n');
    const recorder = await HeartbeatRecorder.start(bus.js, bus.topology, nodeId);
    const agent = new ServiceProcess('node-agent', {
      NATS_URL: testUrls.nats,
      VIGIL_NATS_PREFIX: bus.topology.prefix,
      VIGIL_PARTITIONS: String(bus.topology.partitions),
      VIGIL_AGENT_STATE_DIR: dir,
      VIGIL_AGENT_NODE_ID: nodeId,
      VIGIL_AGENT_CONFIG: file,
      // The env layer wins over the file.
      VIGIL_AGENT_SAMPLE_MS: '500',
    }).start();
    try {
      const [first] = await eventually(() => recorder.since(0, (hs) => hs.length > 0), {
        what: 'the first heartbeat',
        timeoutMs: 20_000,
      });
      expect(first).toMatchObject({
        labels: { env: 'before' },
        intervalMs: 200,
        config: { version: 'file:1', status: 'applied' },
      });

      await writeFile(file, 'version: "2"\nheartbeatIntervalMs: 200\nlabels: { env: after }\n');
      agent.kill('SIGHUP');
      const after = await eventually(() => recorder.heartbeats.find((h) => h.labels.env === 'after'), {
        what: 'a heartbeat with the new labels',
      });
      expect(after.config).toEqual({ version: 'file:2', status: 'applied' });

      await writeFile(file, 'heartbeatIntervalMs: 5\n');
      agent.kill('SIGHUP');
      const rejected = await eventually(() => recorder.heartbeats.find((h) => h.config?.status === 'rejected'), {
        what: 'a heartbeat reporting the rejected file',
      });
      expect(rejected).toMatchObject({ labels: { env: 'after' }, intervalMs: 200, config: { version: 'file:2' } });
      expect(rejected.config?.error).toMatch(/heartbeatIntervalMs/);
      expect(agent.lines.some((l) => l.includes('config rejected; keeping the last good one'))).toBe(true);

      // One process all along: the heartbeat sequence never restarted.
      const seqs = recorder.heartbeats.map((h) => h.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i));
      expect(agent.running()).toBe(true);
    } finally {
      expect(await agent.stop()).toBe(0);
      await recorder.stop();
    }
  }, 40_000);

  it('refuses to start when the file named by VIGIL_AGENT_CONFIG is missing', async () => {
    const agent = new ServiceProcess('node-agent', {
      NATS_URL: testUrls.nats,
      VIGIL_NATS_PREFIX: bus.topology.prefix,
      VIGIL_AGENT_STATE_DIR: dir,
      VIGIL_AGENT_CONFIG: path.join(dir, 'absent.yaml'),
    }).start();
    expect(await agent.waitExit()).toBe(1);
    expect(agent.lines.join('\n')).toMatch(/invalid config: file document: cannot read .*absent\.yaml: ENOENT/);
  });
});
