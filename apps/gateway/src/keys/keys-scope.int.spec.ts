import type { Subscription } from '@nats-io/nats-core';
import { type ApiKeyView, metricsQueries, NotFoundError, notifyOperations, registryQueries } from '@vigil/contracts';
import { serveQuery } from '@vigil/messaging';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import pino from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway, TEST_ADMIN_PASSWORD } from '../testing/gateway-app';

jest.setTimeout(60_000);

type Created = ApiKeyView & { key: string };

/** A key scoped to node labels sees only those nodes and their metrics, and nothing it cannot be scoped on. */
describe('gateway API keys scoped by node labels', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  let admin: string;
  let subscriptions: Subscription[] = [];
  const asked: { what: string; request: unknown }[] = [];
  const lastAsked = (what: string) => asked.filter((a) => a.what === what).at(-1)?.request;

  const NODES = [
    { id: 'n1', env: 'prod' },
    { id: 'n2', env: 'dev' },
    { id: 'n3', env: 'prod' },
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

  const alert = (node: string | undefined, i: number) => ({
    fingerprint: `${i}`.padStart(16, '0'),
    ruleId: 'high-cpu',
    state: 'firing' as const,
    labels: { alertname: 'HighCPU', ...(node ? { node } : {}) },
    annotations: {},
    activeAt: '2026-12-07T00:00:00.000Z',
    silencedBy: [],
  });

  function serveStandIns() {
    const registry = new Registry();
    const deps = {
      nc: tbus.nc,
      topology: tbus.topology,
      logger: pino({ level: 'silent' }),
      messages: new Counter({ name: 'm', help: 'm', labelNames: ['subject', 'result'], registers: [registry] }),
      duration: new Histogram({ name: 'd', help: 'd', labelNames: ['subject'], registers: [registry] }),
    };
    subscriptions = [
      serveQuery(deps, registryQueries.listNodes, async (r) => {
        asked.push({ what: 'list', request: r });
        return { items: NODES.slice(r.offset, r.offset + r.limit), total: NODES.length };
      }),
      serveQuery(deps, registryQueries.getNode, async (r) => {
        const node = NODES.find((n) => n.id === r.nodeId);
        if (!node) throw new NotFoundError(`node ${r.nodeId} is not registered`);
        return node;
      }),
      serveQuery(deps, notifyOperations.alerts, async (r) => {
        asked.push({ what: 'alerts', request: r });
        return { alerts: ['n1', 'n2', undefined].map(alert) };
      }),
      serveQuery(deps, notifyOperations.history, async (r) => {
        asked.push({ what: 'history', request: r });
        return {
          events: ['n2', 'n1', 'n1'].map((node, seq) => ({
            seq,
            type: 'alert.firing' as const,
            fingerprint: `${seq}`.padStart(16, 'a'),
            ruleId: 'high-cpu',
            labels: { alertname: 'HighCPU', node },
            at: '2026-12-07T00:00:00.000Z',
          })),
        };
      }),
      serveQuery(deps, metricsQueries.latest, async (r) => {
        asked.push({ what: 'latest', request: r });
        return { items: [] };
      }),
      serveQuery(deps, metricsQueries.range, async (r) => {
        asked.push({ what: 'range', request: r });
        return { tier: '10s' as const, step: r.step, series: [] };
      }),
    ];
  }

  const createKey = async (body: Record<string, unknown>): Promise<Created> => {
    const r = await gw.fetch('/api/v1/keys', { method: 'POST', token: admin, json: body });
    expect(r.status).toBe(201);
    return (await r.json()) as Created;
  };

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    gw = await startGateway({
      ...isolatedGatewayEnv(tbus, tdb, testUrls),
      VIGIL_RPC_TIMEOUT_MS: '1000',
    });
    admin = await gw.login('admin', TEST_ADMIN_PASSWORD);
    serveStandIns();
  });
  afterAll(async () => {
    await Promise.all(subscriptions.map((s) => s.drain()));
    await gw?.close();
    await tbus.close();
    await tdb.drop();
  });

  it('lists and shows only the nodes in scope; one out of scope answers as an unknown node', async () => {
    const prod = await createKey({ name: 'prod-dash', role: 'viewer', scope: { env: 'prod' } });
    expect(prod.scope).toEqual({ env: 'prod' });
    const list = await (await gw.fetch('/api/v1/nodes?limit=1&offset=1', { token: prod.key })).json();
    expect(list).toMatchObject({ items: [{ id: 'n3' }], total: 2 });
    const all = (await (await gw.fetch('/api/v1/nodes', { token: admin })).json()) as { total: number };
    expect(all.total).toBe(3);
    expect((await gw.fetch('/api/v1/nodes/n1', { token: prod.key })).status).toBe(200);
    const hidden = await gw.fetch('/api/v1/nodes/n2', { token: prod.key });
    const unknown = await gw.fetch('/api/v1/nodes/n9', { token: prod.key });
    expect([hidden.status, unknown.status]).toEqual([404, 404]);
    expect(((await hidden.json()) as { detail: string }).detail).toBe('node n2 is not registered');
    expect((await gw.fetch('/api/v1/nodes/n2/processes', { token: prod.key })).status).toBe(404);
    expect(await (await gw.fetch('/api/v1/auth/me', { token: prod.key })).json()).toMatchObject({
      scope: { env: 'prod' },
    });
  });

  it('adds the scope to every metrics query, REST and Prometheus, and refuses a query outside it', async () => {
    const prod = await createKey({ name: 'grafana-prod', role: 'viewer', scope: { env: 'prod' } });
    expect((await gw.fetch('/api/v1/metrics/latest?node=n1', { token: prod.key })).status).toBe(200);
    expect(lastAsked('latest')).toMatchObject({ nodes: { ids: ['n1'], labels: { env: 'prod' } } });
    const body = { metric: 'm', start: 1, end: 600_001, step: 60_000, nodes: { labels: { rack: 'r1' } } };
    expect(
      (await gw.fetch('/api/v1/metrics/query_range', { method: 'POST', token: prod.key, json: body })).status,
    ).toBe(200);
    expect(lastAsked('range')).toMatchObject({ nodes: { labels: { rack: 'r1', env: 'prod' } } });
    const outside = { ...body, nodes: { labels: { env: 'dev' } } };
    const refused = await gw.fetch('/api/v1/metrics/query_range', { method: 'POST', token: prod.key, json: outside });
    expect(refused.status).toBe(403);
    expect((await gw.fetch('/api/v1/query?query=node_load1', { token: prod.key })).status).toBe(200);
    expect(lastAsked('latest')).toMatchObject({ metric: 'node_load1', nodes: { labels: { env: 'prod' } } });
    expect(
      (await gw.fetch('/api/v1/query_range?query=node_load1&start=1&end=600&step=60', { token: prod.key })).status,
    ).toBe(200);
    expect(lastAsked('range')).toMatchObject({ metric: 'node_load1', nodes: { labels: { env: 'prod' } } });
  });

  it('shows the alerts and alert history of the nodes in scope only (none of no node)', async () => {
    const prod = await createKey({ name: 'prod-alerts', role: 'viewer', scope: { env: 'prod' } });
    const res = await gw.fetch('/api/v1/alerts?limit=5', { token: prod.key });
    const alerts = (await res.json()) as {
      alerts: { labels: Record<string, string> }[];
    };
    expect([res.status, alerts.alerts?.map((a) => a.labels.node)]).toEqual([200, ['n1']]);
    expect(lastAsked('alerts')).toMatchObject({ limit: 1000 });
    const all = (await (await gw.fetch('/api/v1/alerts', { token: admin })).json()) as { alerts: unknown[] };
    expect(all.alerts.length).toBe(3);
    const history = (await (await gw.fetch('/api/v1/alerts/history?limit=1', { token: prod.key })).json()) as {
      events: { labels: Record<string, string>; seq: number }[];
    };
    expect(history.events.map((e) => [e.labels.node, e.seq])).toEqual([['n1', 1]]);
    expect((await gw.fetch('/api/v1/alerts?limit=abc', { token: prod.key })).status).toBe(400);
  });

  it('refuses a scoped key on every route that cannot apply its scope', async () => {
    const prod = await createKey({ name: 'ops-prod', role: 'operator', scope: { env: 'prod' } });
    for (const [method, path] of [
      ['GET', '/api/v1/labels'],
      ['GET', '/api/v1/label/node/values'],
      ['GET', '/api/v1/alerts/silences'],
      ['GET', '/api/v1/alerts/notifications'],
      ['GET', '/api/v1/alerts/rules'],
      ['POST', '/api/v1/alerts/silences'],
      ['PUT', '/api/v1/nodes/n1/maintenance'],
    ]) {
      const r = await gw.fetch(path, { method, token: prod.key, json: method === 'GET' ? undefined : {} });
      expect([path, r.status]).toEqual([path, 403]);
      // problem+json's detail, or the Prometheus API's error.
      const body = (await r.json()) as { detail?: string; error?: string };
      expect(body.detail ?? body.error).toMatch(/limited to env=prod/);
    }
    const bad = await gw.fetch('/api/v1/keys', {
      method: 'POST',
      token: admin,
      json: { name: 'x', role: 'viewer', scope: {} },
    });
    expect(bad.status).toBe(400);
  });
});
