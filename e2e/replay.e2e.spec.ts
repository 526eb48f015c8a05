import { generateKeyPairSync } from 'node:crypto';
import { headers, nanos } from '@nats-io/nats-core';
import {
  DlqHeaders,
  encodePublicKey,
  type Heartbeat,
  heartbeatMessage,
  identityCommands,
  type MessageStamp,
  type NodeView,
  registryQueries,
  type SampleBatch,
  sampleBatchMessage,
  signMessage,
} from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { eventually, type ServiceProcess, testUrls } from '@vigil/test-support';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { TestPlatform } from './platform';

jest.setTimeout(90_000);

/**
 * A signed message is taken once: registry-svc, metrics-svc and alert-svc refuse a copy
 * republished once JetStream's duplicate window has passed (shortened here to a second) and a
 * message signed too long before it was stored; each refusal is counted, recorded and parked.
 */
describe('replayed and stale agent messages', () => {
  const platform = new TestPlatform();
  const keys = generateKeyPairSync('ed25519');
  const NODE = 'replay1';
  const BOOT = Date.now();
  let seq = 0;
  let pg: Client;
  let metricsPort = 0;
  let alertPort = 0;
  let registry: ServiceProcess;
  let metrics: ServiceProcess;
  let alert: ServiceProcess;

  beforeAll(async () => {
    await platform.setup();
    const { jsm, topology } = platform.bus;
    await startServices();
    // What JetStream would do after its 10 min duplicate window, after 1 s (once the services,
    // which declare the stream, have started).
    const stream = await jsm.streams.info(topology.streams.telemetry);
    await jsm.streams.update(topology.streams.telemetry, { ...stream.config, duplicate_window: nanos(1000) });
    pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
    const { nc } = platform.bus;
    const { token } = await requestQuery(
      nc,
      topology,
      identityCommands.createEnrollmentToken,
      { nodeId: NODE },
      10_000,
    );
    await requestQuery(
      nc,
      topology,
      identityCommands.enroll,
      { token, nodeId: NODE, publicKey: encodePublicKey(keys.publicKey), hostname: 'h' },
      10_000,
    );
  });
  afterAll(async () => {
    await pg.end();
    await platform.teardown();
  });

  async function startServices(): Promise<void> {
    registry = await platform.startRegistry();
    ({ process: metrics, port: metricsPort } = await platform.startMetrics({
      VIGIL_METRICS_GRACE_MS: '0',
      VIGIL_METRICS_FLUSH_MS: '200',
    }));
    ({ process: alert, port: alertPort } = await platform.startAlert({ VIGIL_ALERT_DEFAULT_RULES: 'false' }));
  }

  let boot = BOOT;
  const stamp = (signedAt = Date.now()): MessageStamp => ({ signedAt, boot, seq: ++seq });

  interface Sent {
    subject: string;
    data: Uint8Array;
    msgId: string;
    h: ReturnType<typeof headers>;
  }

  async function publish(m: { subject: string; data: Uint8Array; msgId: string }, s?: MessageStamp): Promise<Sent> {
    const h = headers();
    if (s) for (const [name, value] of Object.entries(signMessage(keys.privateKey, m, s))) h.set(name, value);
    await platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId, headers: h });
    return { ...m, h };
  }
  const republish = (sent: Sent, msgId = sent.msgId) =>
    platform.bus.js.publish(sent.subject, sent.data, { msgID: msgId, headers: sent.h });

  const heartbeat = (s?: MessageStamp) => {
    const hb: Heartbeat = {
      nodeId: NODE,
      seq,
      sentAt: new Date().toISOString(),
      hostname: 'h',
      agentVersion: 'test',
      uptimeSeconds: seq,
      intervalMs: 1000,
      labels: {},
    };
    return publish(heartbeatMessage(platform.bus.topology, hb, `boot-${seq}`), s);
  };
  const batch = (value: number, s?: MessageStamp, timestamp = Date.now() - 30_000) => {
    const b: SampleBatch = {
      nodeId: NODE,
      seq,
      timestamp,
      intervalMs: 1000,
      samples: [{ name: 'probe', labels: {}, value }],
    };
    return publish(sampleBatchMessage(platform.bus.topology, b), s);
  };

  async function parked(service: string): Promise<string[]> {
    const { jsm, topology } = platform.bus;
    const info = await jsm.streams.info(topology.streams.dlq);
    const out: string[] = [];
    for (let s = info.state.first_seq; info.state.messages > 0 && s <= info.state.last_seq; s++) {
      const m = await jsm.streams.getMessage(topology.streams.dlq, { seq: s }).catch(() => undefined);
      if (m?.subject === topology.subjects.dlq(service)) out.push(m.header.get(DlqHeaders.reason));
    }
    return out;
  }
  const parkedFor = (service: string, pattern: RegExp, what: string) =>
    eventually(
      async () => {
        const found = (await parked(service)).filter((r) => pattern.test(r));
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 300, what },
    );
  const until = (pattern: RegExp, service: string, what: string) =>
    eventually(async () => (await parked(service)).some((r) => pattern.test(r)), {
      timeoutMs: 20_000,
      intervalMs: 300,
      what,
    });
  const storedSum = async () =>
    Number(
      (
        await pg
          .query(
            `SELECT coalesce(sum(r.sum), 0) AS s FROM metrics.rollup_10s r JOIN metrics.series s ON s.id = r.series_id WHERE s.node_id = $1`,
            [NODE],
          )
          .catch(() => ({ rows: [{ s: 0 }] }))
      ).rows[0].s,
    );
  const violations = async (port: number, reason: string) => {
    const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const m = new RegExp(`vigil_security_violations_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)`).exec(page);
    return Number(m?.[1] ?? 0);
  };
  const node = (): Promise<NodeView | undefined> =>
    requestQuery(platform.bus.nc, platform.bus.topology, registryQueries.getNode, { nodeId: NODE }, 5000).catch(
      () => undefined,
    );

  it('every service knows the node enrolled (its unsigned messages are refused)', async () => {
    await eventually(
      async () => {
        await heartbeat();
        await batch(0);
        const [r, m, a] = await Promise.all(['registry-svc', 'metrics-svc', 'alert-svc'].map(parked));
        return [r, m, a].every((reasons) => reasons.some((x) => x.includes('unsigned')));
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'the enrollment known to the three services' },
    );
  });

  it('refuses a heartbeat republished after the duplicate window, counted and parked', async () => {
    const original = await heartbeat(stamp());
    await eventually(async () => (await node())?.status === 'online', { what: 'the signed heartbeat taken' });
    await new Promise((r) => setTimeout(r, 1500));
    const stored = (await platform.bus.jsm.streams.info(platform.bus.topology.streams.telemetry)).state.last_seq;
    await republish(original);
    // Stored again: JetStream no longer knows it for a duplicate.
    expect((await platform.bus.jsm.streams.info(platform.bus.topology.streams.telemetry)).state.last_seq).toBe(
      stored + 1,
    );
    const [reason] = await parkedFor('registry-svc', /replayed/, 'the replayed heartbeat parked');
    expect(reason).toMatch(/^identity_mismatch: replayed: node replay1's message \d+\/\d+ is not after the last taken/);
    expect(await violations(platform.ports['registry-svc'], 'replayed')).toBe(1);
    // Under another message id the copy is no longer the message signed.
    await republish(original, 'another-id');
    await until(/bad_signature/, 'registry-svc', 'the re-addressed copy refused');
  });

  it('refuses a sample batch republished after the duplicate window in metrics-svc and alert-svc', async () => {
    const before = await storedSum();
    const original = await batch(7, stamp());
    await eventually(async () => (await storedSum()) === before + 7, { what: 'the signed batch stored' });
    await new Promise((r) => setTimeout(r, 1500));
    await republish(original);
    // A later batch is taken: the copy stalls nothing.
    await batch(1, stamp());
    await eventually(async () => (await storedSum()) === before + 8, { what: 'the next batch stored' });
    await parkedFor('metrics-svc', /^identity_mismatch: replayed: /, 'the copy parked by metrics-svc');
    await parkedFor('alert-svc', /^identity_mismatch: replayed: /, 'the copy parked by alert-svc');
    expect(await storedSum()).toBe(before + 8);
    expect(await violations(metricsPort, 'replayed')).toBe(1);
    expect(await violations(alertPort, 'replayed')).toBe(1);
  });

  it('refuses messages signed longer ago than the skew window, and takes old samples signed now (a spool replay)', async () => {
    await heartbeat(stamp(Date.now() - 10 * 60_000));
    const [hb] = await parkedFor('registry-svc', /stale/, 'the stale heartbeat parked');
    expect(hb).toMatch(/^identity_mismatch: stale: node replay1's message was signed -6\d\d s from when it was stored/);
    await batch(100, stamp(Date.now() - 10 * 60_000));
    await parkedFor('metrics-svc', /^identity_mismatch: stale: /, 'the stale batch parked by metrics-svc');
    await parkedFor('alert-svc', /^identity_mismatch: stale: /, 'the stale batch parked by alert-svc');
    expect(await violations(metricsPort, 'stale')).toBe(1);

    // Samples of 20 minutes ago, out of the spool after an outage, signed as they are published.
    const before = await storedSum();
    await batch(5, stamp(), Date.now() - 20 * 60_000);
    await eventually(async () => (await storedSum()) === before + 5, { what: 'the spooled batch stored' });
  });

  it('after a crash of the three services and the loss of Redis, still refuses the copies; takes fresh ones; a new boot resets, an older stays refused', async () => {
    const counted = (service: string) => parked(service).then((r) => r.filter((x) => /replayed/.test(x)).length);
    const parkedBefore = {
      registry: await counted('registry-svc'),
      metrics: await counted('metrics-svc'),
      alert: await counted('alert-svc'),
    };
    const hb = await heartbeat(stamp());
    const before = await storedSum();
    const b = await batch(11, stamp());
    // Taken and made durable: the batch's flush (with the marks) is in Postgres.
    await eventually(async () => (await storedSum()) === before + 11, { what: 'the batch stored' });
    await new Promise((r) => setTimeout(r, 1500));
    // SIGKILL: nothing is written on the way out.
    for (const p of [registry, metrics, alert]) p.kill('SIGKILL');
    await Promise.all([registry, metrics, alert].map((p) => p.waitExit()));
    // Redis lost too (registry-svc kept its replay state there before).
    const redis = new Redis(testUrls.redis);
    const keys = await redis.keys(`${platform.redisPrefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await startServices();

    await republish(hb);
    await republish(b);
    await eventually(async () => (await counted('registry-svc')) === parkedBefore.registry + 1, {
      timeoutMs: 20_000,
      intervalMs: 300,
      what: 'the heartbeat copy refused by the restarted registry-svc',
    });
    await eventually(async () => (await counted('metrics-svc')) === parkedBefore.metrics + 1, {
      timeoutMs: 20_000,
      intervalMs: 300,
      what: 'the batch copy refused by the restarted metrics-svc',
    });
    await eventually(async () => (await counted('alert-svc')) === parkedBefore.alert + 1, {
      timeoutMs: 20_000,
      intervalMs: 300,
      what: 'the batch copy refused by the restarted alert-svc',
    });
    expect(await violations(platform.ports['registry-svc'], 'replayed')).toBe(1);
    expect(await violations(metricsPort, 'replayed')).toBe(1);
    expect(await violations(alertPort, 'replayed')).toBe(1);

    // Fresh messages flow: the next batch counts once, the copy not at all.
    await heartbeat(stamp());
    await batch(2, stamp());
    await eventually(async () => (await storedSum()) === before + 13, { what: 'the fresh batch stored' });

    // A new boot (the agent restarted) starts its sequence again and is taken.
    const oldBoot = boot;
    const oldSeq = seq;
    boot = Date.now();
    seq = 0;
    await heartbeat(stamp());
    await batch(3, stamp());
    await eventually(async () => (await storedSum()) === before + 16, { what: 'the new boot taken' });
    // The old boot, even with a sequence never used, is refused once the new one was seen.
    const stale = { signedAt: Date.now(), boot: oldBoot, seq: oldSeq + 100 };
    // (Other payload sequences than the new boot's: JetStream would drop them as duplicates.)
    seq += 10;
    await heartbeat(stale);
    seq += 10;
    await batch(1000, { ...stale, seq: oldSeq + 101 });
    await eventually(async () => (await counted('registry-svc')) === parkedBefore.registry + 2, {
      timeoutMs: 20_000,
      intervalMs: 300,
      what: 'the old boot refused by registry-svc',
    });
    await eventually(async () => (await counted('metrics-svc')) === parkedBefore.metrics + 2, {
      timeoutMs: 20_000,
      intervalMs: 300,
      what: 'the old boot refused by metrics-svc',
    });
    await eventually(async () => (await counted('alert-svc')) === parkedBefore.alert + 2, {
      timeoutMs: 20_000,
      intervalMs: 300,
      what: 'the old boot refused by alert-svc',
    });
    // And a fresh batch of the new boot still flows after it.
    await batch(4, stamp());
    await eventually(async () => (await storedSum()) === before + 20, { what: 'fresh data after the refusals' });
  });
});
