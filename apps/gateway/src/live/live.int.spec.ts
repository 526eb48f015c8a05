import type { Subscription } from '@nats-io/nats-core';
import {
  type AlertEvent,
  alertEvents,
  type ApiKeyView,
  encodeSampleBatch,
  LIVE_CLOSE,
  LIVE_LIMITS,
  type NodeEvent,
  nodeEvents,
  partitionOf,
  registryQueries,
  type SampleBatch,
} from '@vigil/contracts';
import { EventStore } from '@vigil/event-store';
import { serveQuery } from '@vigil/messaging';
import {
  createTestBus,
  createTestDatabase,
  eventually,
  fuzzSeed,
  heapAfterGc,
  requireTool,
  sleep,
  type TestBus,
  type TestDatabase,
  testUrls,
} from '@vigil/test-support';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import pino from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway, TEST_ADMIN_PASSWORD } from '../testing/gateway-app';
import { connectLive, type LiveClient, openLive } from '../testing/live-client';

jest.setTimeout(90_000);

const promtool = requireTool('promtool', 'prometheus');

const CONSOLE = 'https://console.example.com';
const RESUME_LIMIT = 5;
const PER_PRINCIPAL = 6;
const meta = { correlationId: 'c-live', causationId: null, actor: 'service:registry-svc' };

/**
 * The live API (`GET /ws`) on two gateway replicas against the real NATS, Postgres and Redis of
 * the tests (own prefix, database and key prefix). Events are appended to EVENTS and samples
 * published on TELEMETRY subjects by the test, as registry-svc and the agents would; registry-svc's
 * node list (what a scoped key's nodes are read from) is a stand-in on NATS request/reply.
 */
describe('gateway live API', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  let gw2: GatewayUnderTest;
  let admin: string;
  let nodesStore: EventStore<NodeEvent>;
  let alertsStore: EventStore<AlertEvent>;
  let registry: Subscription;
  const clients: LiveClient[] = [];
  const open = async (base: string, token: string) => {
    const client = await openLive(base, token);
    clients.push(client);
    return client;
  };

  const NODES = [
    { id: 'n1', env: 'prod' },
    { id: 'n2', env: 'dev' },
  ].map(({ id, env }) => ({
    id,
    hostname: id,
    status: 'online' as const,
    labels: { env },
    agentVersion: 't',
    registeredAt: '2026-12-07T00:00:00.000Z',
    statusChangedAt: '2026-12-07T00:00:00.000Z',
    lastSeenAt: null,
    inventory: null,
    config: null,
    maintenance: null,
    version: 1,
  }));

  const offline = (nodeId: string) =>
    nodesStore.append(
      nodeId,
      [{ type: 'node.offline', data: { nodeId, lastSeenAt: new Date().toISOString(), timeoutMs: 15_000 } }],
      'any',
      meta,
    );
  const firing = (node: string, i: number) =>
    alertsStore.append(
      `${i}`.padStart(16, 'a'),
      [
        {
          type: 'alert.firing',
          data: {
            ruleId: 'high-cpu',
            fingerprint: `${i}`.padStart(16, 'a'),
            labels: { alertname: 'HighCPU', node },
            activeAt: new Date().toISOString(),
            firedAt: new Date().toISOString(),
            value: 99,
            annotations: {},
          },
        },
      ],
      'any',
      { ...meta, actor: 'service:alert-svc' },
    );
  const publishSamples = (batch: SampleBatch) =>
    tbus.nc.publish(
      tbus.topology.subjects.samples(partitionOf(batch.nodeId, tbus.topology.partitions), batch.nodeId),
      encodeSampleBatch(batch),
    );
  const createKey = async (body: Record<string, unknown>) => {
    const r = await gw.fetch('/api/v1/keys', { method: 'POST', token: admin, json: body });
    expect(r.status).toBe(201);
    return (await r.json()) as ApiKeyView & { key: string };
  };
  const metricsText = async (g: GatewayUnderTest) => (await g.fetch('/metrics')).text();
  /** The value of one series of the gateway's /metrics (0 when absent). */
  const metric = async (g: GatewayUnderTest, name: string, label: string) => {
    const line = (await metricsText(g)).split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    const env = {
      ...isolatedGatewayEnv(tbus, tdb, testUrls),
      VIGIL_RPC_TIMEOUT_MS: '2000',
      VIGIL_CORS_ORIGINS: CONSOLE,
      VIGIL_LIVE_RECHECK_MS: '500',
      VIGIL_LIVE_RESUME_EVENTS: String(RESUME_LIMIT),
      VIGIL_LIVE_MAX_SOCKETS_PER_PRINCIPAL: String(PER_PRINCIPAL),
    };
    gw = await startGateway(env);
    gw2 = await startGateway(env);
    admin = await gw.login('admin', TEST_ADMIN_PASSWORD);
    nodesStore = new EventStore(tbus.js, tbus.jsm, tbus.topology, 'node', nodeEvents);
    alertsStore = new EventStore(tbus.js, tbus.jsm, tbus.topology, 'alert', alertEvents);
    const registryMetrics = new Registry();
    registry = serveQuery(
      {
        nc: tbus.nc,
        topology: tbus.topology,
        logger: pino({ level: 'silent' }),
        messages: new Counter({
          name: 'm',
          help: 'm',
          labelNames: ['subject', 'result'],
          registers: [registryMetrics],
        }),
        duration: new Histogram({ name: 'd', help: 'd', labelNames: ['subject'], registers: [registryMetrics] }),
      },
      registryQueries.listNodes,
      async (r) => ({ items: NODES.slice(r.offset, r.offset + r.limit), total: NODES.length }),
    );
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await registry?.drain();
    await gw?.close();
    await gw2?.close();
    await tbus.close();
    await tdb.drop();
  });

  it('refuses an upgrade without valid credentials (401) and on another path (404), before any WebSocket', async () => {
    const none = await connectLive(gw.base);
    expect(none.status).toBe(401);
    expect(none.headers?.['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.parse(none.body ?? '{}')).toMatchObject({ status: 401, detail: 'authentication required' });
    expect((await connectLive(gw.base, { authorization: 'Bearer vat1.forged.token' })).status).toBe(401);
    expect((await connectLive(gw.base, { authorization: 'Bearer vgl_notakey' })).status).toBe(401);
    expect((await connectLive(gw.base, { authorization: 'Basic YWRtaW46YWRtaW4=' })).status).toBe(401);
    expect((await connectLive(gw.base, { authorization: `Bearer ${admin}` }, undefined, '/other')).status).toBe(404);
    expect(await metric(gw, 'vigil_live_upgrade_refusals_total', 'reason="unauthenticated"')).toBeGreaterThanOrEqual(4);
  });

  it("takes the session cookie only from the gateway's own origin or a configured one", async () => {
    const cookie = { cookie: `vigil_access=${admin}` };
    expect((await connectLive(gw.base, cookie, 'https://evil.example.com')).status).toBe(403);
    expect((await connectLive(gw.base, cookie)).status).toBe(403);
    for (const origin of [gw.base, CONSOLE]) {
      const { status, client } = await connectLive(gw.base, cookie, origin);
      expect([origin, status]).toEqual([origin, 101]);
      clients.push(client as LiveClient);
      expect(await (client as LiveClient).frame('welcome')).toMatchObject({ principal: { kind: 'user', id: 'admin' } });
    }
    // A bearer token is no browser's ambient credential: no origin check.
    const bearer = await connectLive(gw.base, { authorization: `Bearer ${admin}` }, 'https://evil.example.com');
    expect(bearer.status).toBe(101);
    bearer.client?.close();
  });

  it('welcomes with the principal and the limits, and answers an application ping', async () => {
    const c = await open(gw.base, admin);
    expect(c.frames[0]).toEqual({
      type: 'welcome',
      principal: { kind: 'user', id: 'admin', role: 'admin' },
      limits: {
        subscriptions: LIVE_LIMITS.subscriptions,
        sample_nodes: LIVE_LIMITS.sample_nodes,
        sample_metrics: LIVE_LIMITS.sample_metrics,
        ping_ms: LIVE_LIMITS.ping_ms,
      },
    });
    c.send({ op: 'ping', t: 7 });
    expect(await c.frame('pong')).toEqual({ type: 'pong', t: 7 });
  });

  it('delivers fleet events with their cursor to the sockets of both replicas, each replica reading NATS itself', async () => {
    const a = await open(gw.base, admin);
    const b = await open(gw2.base, admin);
    for (const c of [a, b]) {
      c.send({ op: 'subscribe', id: 'fleet', topic: 'fleet' });
      await c.frame('subscribed', (f) => f.id === 'fleet');
    }
    const { events } = await offline('f1');
    // Not a fleet change the topic shows.
    await nodesStore.append(
      'f1',
      [{ type: 'node.config_reported', data: { nodeId: 'f1', config: { version: 'file:1', status: 'applied' } } }],
      'any',
      meta,
    );
    for (const c of [a, b]) {
      const e = await c.frame('event', (f) => f.id === 'fleet');
      expect(e).toMatchObject({
        cursor: String(events[0].seq),
        event: { type: 'node.offline', subject: 'node.f1', actor: 'service:registry-svc', data: { nodeId: 'f1' } },
      });
    }
    await offline('f2');
    for (const c of [a, b]) await c.frame('event', (f) => f.id === 'fleet' && f.event.subject === 'node.f2');
    for (const c of [a, b])
      expect(c.events('fleet').map((f) => f.event.type)).toEqual(['node.offline', 'node.offline']);
    // One fleet feed per replica (the two replicas of this process share their service's registry).
    expect(await metric(gw, 'vigil_live_nats_subscriptions', 'kind="events"')).toBe(2);
  });

  it('sends the samples of the nodes asked for, cut to the metrics asked for, and nothing of other nodes', async () => {
    const c = await open(gw.base, admin);
    c.send({ op: 'subscribe', id: 'cpu', topic: 'samples', nodes: ['s1'], metrics: ['node_cpu_usage_percent'] });
    await c.frame('subscribed', (f) => f.id === 'cpu');
    const batch = (nodeId: string, seq: number): SampleBatch => ({
      nodeId,
      seq,
      timestamp: 1_765_000_000_000 + seq,
      intervalMs: 1000,
      samples: [
        { name: 'node_cpu_usage_percent', labels: {}, value: seq },
        { name: 'node_load1', labels: {}, value: 0.5 },
        { name: 'node_cpu_usage_percent', labels: { cpu: '0' }, value: 3 },
      ],
    });
    publishSamples(batch('s2', 1));
    publishSamples(batch('s1', 2));
    const frame = await c.frame('samples');
    expect(frame).toEqual({
      type: 'samples',
      id: 'cpu',
      nodeId: 's1',
      timestamp: 1_765_000_000_002,
      samples: [
        { name: 'node_cpu_usage_percent', labels: {}, value: 2 },
        { name: 'node_cpu_usage_percent', labels: { cpu: '0' }, value: 3 },
      ],
    });
    await sleep(200);
    expect(c.frames.filter((f) => f.type === 'samples')).toHaveLength(1);

    // A second socket following the same node shares the process' one subscription of it.
    const followed = () => metric(gw, 'vigil_live_nats_subscriptions', 'kind="samples"');
    expect(await followed()).toBe(1);
    const d = await open(gw.base, admin);
    d.send({ op: 'subscribe', id: 'all', topic: 'samples', nodes: ['s1', 's3'] });
    await d.frame('subscribed');
    expect(await followed()).toBe(2);
    publishSamples(batch('s1', 3));
    expect((await d.frame('samples')).samples).toHaveLength(3);
    await c.frame('samples', (f) => f.timestamp === 1_765_000_000_003);

    c.send({ op: 'unsubscribe', id: 'cpu' });
    await c.frame('unsubscribed');
    expect(await followed()).toBe(2);
    d.close();
    await eventually(async () => (await followed()) === 0, { what: 'the node subscriptions released' });
    publishSamples(batch('s1', 4));
    await sleep(200);
    expect(c.frames.filter((f) => f.type === 'samples')).toHaveLength(2);
  });

  it('shows the audit trail to admins only', async () => {
    const r = await gw.fetch('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: { username: 'viewer1', role: 'viewer', password: 'viewer-password-1' },
    });
    expect(r.status).toBe(201);
    const viewer = await open(gw.base, await gw.login('viewer1', 'viewer-password-1'));
    viewer.send({ op: 'subscribe', id: 'aud', topic: 'audit' });
    expect(await viewer.frame('error')).toEqual({
      type: 'error',
      id: 'aud',
      code: 'forbidden',
      field: 'topic',
      message: 'the topic audit needs the role admin',
    });
    viewer.send({ op: 'ping' });
    await viewer.frame('pong');

    const a = await open(gw.base, admin);
    a.send({ op: 'subscribe', id: 'aud', topic: 'audit' });
    await a.frame('subscribed');
    await gw.fetch('/api/v1/users/viewer1/sessions/revoke', { method: 'POST', token: admin });
    const e = await a.frame(
      'event',
      (f) => f.id === 'aud' && String((f.event.data as { target?: string }).target).endsWith('/sessions/revoke'),
    );
    expect(e.event).toMatchObject({ type: 'audit.recorded', data: { actor: 'user:admin' } });
    expect(JSON.stringify(a.frames)).not.toContain(admin);
  });

  it('shows a key scoped to node labels only the fleet events, alerts and samples of its nodes', async () => {
    const prod = await createKey({ name: 'live-prod', role: 'viewer', scope: { env: 'prod' } });
    const c = await open(gw.base, prod.key);
    expect(c.frames[0]).toMatchObject({ principal: { kind: 'key', id: prod.id, role: 'viewer' } });
    c.send({ op: 'subscribe', id: 'fleet', topic: 'fleet' });
    c.send({ op: 'subscribe', id: 'alerts', topic: 'alerts' });
    await c.frame('subscribed', (f) => f.id === 'fleet');
    await c.frame('subscribed', (f) => f.id === 'alerts');
    await offline('n2');
    await offline('n1');
    await firing('n2', 1);
    await firing('n1', 2);
    await c.frame('event', (f) => f.id === 'alerts');
    await c.frame('event', (f) => f.id === 'fleet');
    await sleep(300);
    expect(c.events('fleet').map((f) => f.event.subject)).toEqual(['node.n1']);
    expect(c.events('alerts').map((f) => (f.event.data as { labels: { node: string } }).labels.node)).toEqual(['n1']);

    c.send({ op: 'subscribe', id: 'hidden', topic: 'samples', nodes: ['n1', 'n2'] });
    expect(await c.frame('error', (f) => f.id === 'hidden')).toEqual({
      type: 'error',
      id: 'hidden',
      code: 'not_found',
      field: 'nodes.1',
      message: 'node n2 is not registered',
    });
    c.send({ op: 'subscribe', id: 'mine', topic: 'samples', nodes: ['n1'] });
    await c.frame('subscribed', (f) => f.id === 'mine');
    publishSamples({
      nodeId: 'n2',
      seq: 1,
      timestamp: 1,
      intervalMs: 1000,
      samples: [{ name: 'x', labels: {}, value: 1 }],
    });
    publishSamples({
      nodeId: 'n1',
      seq: 1,
      timestamp: 2,
      intervalMs: 1000,
      samples: [{ name: 'x', labels: {}, value: 1 }],
    });
    expect(await c.frame('samples')).toMatchObject({ id: 'mine', nodeId: 'n1' });
    c.send({ op: 'subscribe', id: 'sil', topic: 'silences' });
    expect(await c.frame('error', (f) => f.id === 'sil')).toMatchObject({ code: 'forbidden', field: 'topic' });
    await sleep(200);
    expect(c.frames.filter((f) => f.type === 'samples')).toHaveLength(1);
  });

  it('shows a scoped key the label change that moves a node into its scope, and the one that moves a node out, then nothing of it', async () => {
    const prod = await createKey({ name: 'live-moves', role: 'viewer', scope: { env: 'prod' } });
    const c = await open(gw.base, prod.key);
    const all = await open(gw.base, admin);
    for (const s of [c, all]) {
      s.send({ op: 'subscribe', id: 'fleet', topic: 'fleet' });
      await s.frame('subscribed', (f) => f.id === 'fleet');
    }
    const append = (nodeId: string, event: NodeEvent['type'], data: Record<string, unknown>) =>
      nodesStore.append(nodeId, [{ type: event, data: { nodeId, ...data } } as never], 'any', meta);
    await append('m1', 'node.registered', { hostname: 'm1', labels: { env: 'prod' }, agentVersion: 't' });
    await append('m2', 'node.registered', { hostname: 'm2', labels: { env: 'dev' }, agentVersion: 't' });
    await append('m2', 'node.labels_changed', { labels: { env: 'prod', team: 'web' } });
    await append('m1', 'node.labels_changed', { labels: { env: 'dev' } });
    await offline('m1');
    const last = (await offline('m2')).lastSeq;
    for (const s of [c, all]) await s.frame('event', (f) => f.id === 'fleet' && f.cursor === String(last));
    const seen = (s: LiveClient) =>
      s
        .events('fleet')
        .map((f) => `${f.event.type} ${f.event.subject}`)
        .filter((e) => /node\.m\d$/.test(e));
    expect(seen(all)).toEqual([
      'node.registered node.m1',
      'node.registered node.m2',
      'node.labels_changed node.m2',
      'node.labels_changed node.m1',
      'node.offline node.m1',
      'node.offline node.m2',
    ]);
    // m2 appears with the change that brings it in; m1 leaves with the change that takes it out.
    expect(seen(c)).toEqual([
      'node.registered node.m1',
      'node.labels_changed node.m2',
      'node.labels_changed node.m1',
      'node.offline node.m2',
    ]);
    expect(c.events('fleet').find((f) => f.event.type === 'node.labels_changed')?.event.data).toEqual({
      nodeId: 'm2',
      labels: { env: 'prod', team: 'web' },
    });
    // Its samples follow the scope too: m2 is now the key's, m1 no longer is.
    c.send({ op: 'subscribe', id: 'moved', topic: 'samples', nodes: ['m2', 'm1'] });
    expect(await c.frame('error', (f) => f.id === 'moved')).toMatchObject({ code: 'not_found', field: 'nodes.1' });
  });

  it('resumes after a cursor: the missed events first, then live ones, none twice; reset when too far behind', async () => {
    const first = await open(gw.base, admin);
    first.send({ op: 'subscribe', id: 'f', topic: 'fleet' });
    await first.frame('subscribed');
    await offline('r1');
    const cursor = (await first.frame('event', (f) => f.event.subject === 'node.r1')).cursor;
    first.close();
    const missed = [(await offline('r2')).lastSeq, (await offline('r3')).lastSeq];

    const again = await open(gw2.base, admin);
    again.send({ op: 'subscribe', id: 'f', topic: 'fleet', since: cursor });
    expect(await again.frame('subscribed')).toEqual({ type: 'subscribed', id: 'f', replayed: 2 });
    const live = (await offline('r4')).lastSeq;
    await again.frame('event', (f) => f.cursor === String(live));
    expect(again.events('f').map((f) => f.cursor)).toEqual([...missed, live].map(String));
    expect(again.frames.findIndex((f) => f.type === 'subscribed')).toBeLessThan(
      again.frames.findIndex((f) => f.type === 'event'),
    );

    for (let i = 0; i < RESUME_LIMIT; i++) await offline(`r${10 + i}`);
    const behind = await open(gw.base, admin);
    behind.send({ op: 'subscribe', id: 'f', topic: 'fleet', since: cursor });
    expect(await behind.frame('reset')).toMatchObject({
      id: 'f',
      reason: expect.stringContaining('more than 5 events'),
    });
    behind.send({ op: 'subscribe', id: 'f', topic: 'fleet', since: '99999999' });
    expect(await behind.frame('reset', (f) => f.reason.includes('past the end'))).toMatchObject({ id: 'f' });
    behind.send({ op: 'subscribe', id: 'f', topic: 'fleet' });
    await behind.frame('subscribed');
  });

  it('resumes without gaps or duplicates while events keep arriving during the replay', async () => {
    const watcher = await open(gw.base, admin);
    watcher.send({ op: 'subscribe', id: 'f', topic: 'fleet' });
    await watcher.frame('subscribed');
    await offline('c0');
    const cursor = (await watcher.frame('event', (f) => f.event.subject === 'node.c0')).cursor;
    const missed = [(await offline('c1')).lastSeq, (await offline('c2')).lastSeq];
    const c = await open(gw2.base, admin);
    c.send({ op: 'subscribe', id: 'f', topic: 'fleet', since: cursor });
    const during: number[] = [];
    for (let i = 3; i < 6; i++) during.push((await offline(`c${i}`)).lastSeq);
    const last = String(during.at(-1));
    await c.frame('event', (f) => f.cursor === last);
    expect(c.events('f').map((f) => Number(f.cursor))).toEqual([...missed, ...during]);
  });

  it('refuses invalid frames with an error naming the field and keeps the socket open (fuzzed, fixed seed)', async () => {
    const c = await open(gw.base, admin);
    c.send({ op: 'subscribe', id: 'x', topic: 'weather' });
    expect(await c.frame('error')).toMatchObject({ code: 'bad_request', field: 'topic', id: 'x' });
    c.send('not json');
    c.send({ op: 'subscribe', id: 's', topic: 'samples', nodes: ['ok', 'bad node'] });
    expect(await c.frame('error', (f) => f.field === 'nodes.1')).toMatchObject({ code: 'bad_request', id: 's' });
    const samples = fc.sample(
      fc.oneof(
        fc.anything(),
        fc.record({
          op: fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'x'),
          id: fc.string(),
          topic: fc.string(),
        }),
      ),
      { seed: fuzzSeed(), numRuns: 30 },
    );
    for (const value of samples) {
      c.send(JSON.stringify(value) ?? 'null');
      await sleep(60);
    }
    c.send({ op: 'ping', t: 1 });
    await c.frame('pong', (f) => f.t === 1);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });

  it('closes a socket that sends an oversized frame (1009) or too many frames (4029)', async () => {
    const big = await open(gw.base, admin);
    big.send('x'.repeat(LIVE_LIMITS.client_frame_bytes + 1));
    expect((await big.closed).code).toBe(1009);
    const chatty = await open(gw.base, admin);
    for (let i = 0; i < LIVE_LIMITS.client_frames_per_second * 4; i++) chatty.send({ op: 'ping' });
    expect((await chatty.closed).code).toBe(LIVE_CLOSE.too_many_requests);
  });

  it('drops a client that never reads with 4008 instead of holding its frames (memory stays bounded)', async () => {
    const c = await open(gw.base, admin);
    c.send({ op: 'subscribe', id: 'flood', topic: 'samples', nodes: ['flood'] });
    await c.frame('subscribed');
    c.ws.pause();
    const before = heapAfterGc();
    const rssBefore = process.memoryUsage().rss;
    const samples = Array.from({ length: 50 }, (_, i) => ({
      name: 'node_network_receive_bytes_total',
      labels: { device: `eth${i}-${'x'.repeat(20)}` },
      value: i,
    }));
    let sent = 0;
    // ~4 KiB a frame, 40 MiB in all: ten times the send queue's byte bound.
    for (let seq = 1; seq <= 10_000; seq++) {
      publishSamples({ nodeId: 'flood', seq, timestamp: seq, intervalMs: 1000, samples });
      sent++;
      if (seq % 500 === 0) await tbus.nc.flush();
    }
    await tbus.nc.flush();
    await eventually(async () => (await metric(gw, 'vigil_live_frames_dropped_total', 'reason="slow_consumer"')) > 0, {
      what: 'the slow consumer dropped',
      timeoutMs: 30_000,
    });
    await sleep(1000);
    const grownMb = (heapAfterGc() - before) / 2 ** 20;
    const rssGrownMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    c.ws.resume();
    expect((await c.closed).code).toBe(LIVE_CLOSE.slow_consumer);
    await eventually(async () => (await metric(gw, 'vigil_live_closes_total', 'reason="slow_consumer"')) === 1, {
      what: 'the close counted',
    });
    const received = c.frames.filter((f) => f.type === 'samples').length;
    expect(received).toBeLessThan(sent);
    expect(grownMb).toBeLessThan(16);
    expect(rssGrownMb).toBeLessThan(96);
    process.stdout.write(
      `${JSON.stringify({ slowConsumer: { sent, received, heapGrownMb: +grownMb.toFixed(1), rssGrownMb: +rssGrownMb.toFixed(1) } })}\n`,
    );
  });

  it('closes the socket (4001) within 5 s of a logout or of its API key being revoked', async () => {
    const key = await createKey({ name: 'live-revoked', role: 'viewer' });
    const byKey = await open(gw2.base, key.key);
    const session = await gw.login('admin', TEST_ADMIN_PASSWORD);
    const bySession = await open(gw2.base, session);

    let started = Date.now();
    expect((await gw.fetch(`/api/v1/keys/${key.id}`, { method: 'DELETE', token: admin })).status).toBe(200);
    expect((await byKey.closed).code).toBe(LIVE_CLOSE.unauthorized);
    const keyMs = Date.now() - started;

    started = Date.now();
    expect((await gw.fetch('/api/v1/auth/logout', { method: 'POST', token: session })).status).toBeLessThan(300);
    expect((await bySession.closed).code).toBe(LIVE_CLOSE.unauthorized);
    const sessionMs = Date.now() - started;
    expect([keyMs, sessionMs].every((ms) => ms < LIVE_LIMITS.revocation_ms)).toBe(true);
    expect((await connectLive(gw2.base, { authorization: `Bearer ${key.key}` })).status).toBe(401);
  });

  (promtool ? it : it.skip)('serves the live instruments on /metrics in a form promtool accepts', async () => {
    const page = await metricsText(gw);
    for (const name of [
      'vigil_live_sockets',
      'vigil_live_subscriptions',
      'vigil_live_frames_sent_total',
      'vigil_live_frames_dropped_total',
      'vigil_live_closes_total',
      'vigil_live_upgrade_refusals_total',
      'vigil_live_nats_subscriptions',
    ])
      expect(page).toContain(`# TYPE ${name} `);
    const check = spawnSync(promtool as string, ['check', 'metrics'], { input: page });
    expect({ code: check.status, problems: `${check.stdout}${check.stderr}`.trim() }).toEqual({
      code: 0,
      problems: '',
    });
  });

  it('holds at most VIGIL_LIVE_MAX_SOCKETS_PER_PRINCIPAL sockets of one principal (503 beyond)', async () => {
    const key = await createKey({ name: 'live-capped', role: 'viewer' });
    for (let i = 0; i < PER_PRINCIPAL; i++) await open(gw.base, key.key);
    const refused = await connectLive(gw.base, { authorization: `Bearer ${key.key}` });
    expect([refused.status, refused.headers?.['retry-after']]).toEqual([503, '5']);
    // Per replica: the other one still takes it.
    await open(gw2.base, key.key);
    for (const c of clients.splice(0)) c.close();
    await eventually(
      async () => {
        const again = await connectLive(gw.base, { authorization: `Bearer ${key.key}` });
        again.client?.close();
        return again.status === 101;
      },
      { what: 'a socket admitted again' },
    );
  });
});
