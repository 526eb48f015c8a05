import type { Subscription } from '@nats-io/nats-core';
import {
  type ApiKeyView,
  metricsQueries,
  NotFoundError,
  notifyOperations,
  registryQueries,
  silenceOperations,
  type SilenceView,
} from '@vigil/contracts';
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
    { id: 'n1', env: 'prod', team: 'db' },
    { id: 'n2', env: 'dev', team: 'web' },
    { id: 'n3', env: 'prod', team: 'web' },
  ].map(({ id, env, team }) => ({
    id,
    hostname: id,
    status: 'online' as const,
    labels: { env, team },
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

  /** alert-svc's silences, as a stand-in keeps them. */
  const silences = new Map<string, SilenceView>();
  const m = (label: string, op: '=' | '!=' | '=~' | '!~', value: string) => ({ label, op, value });
  const silence = (id: string, matchers: SilenceView['matchers'], createdBy = 'user:admin'): SilenceView => ({
    id,
    matchers,
    startsAt: '2026-12-07T00:00:00.000Z',
    endsAt: '2026-12-08T00:00:00.000Z',
    createdBy,
    comment: 'c',
    state: 'active',
  });
  const SILENCES = {
    prodByLabel: silence('00000000-0000-4000-8000-000000000001', [m('env', '=', 'prod')]),
    n2: silence('00000000-0000-4000-8000-000000000002', [m('node', '=', 'n2')]),
    n3: silence('00000000-0000-4000-8000-000000000003', [m('node', '=', 'n3'), m('alertname', '=', 'HighCPU')]),
    everything: silence('00000000-0000-4000-8000-000000000004', [m('alertname', '=~', '.+')]),
    prodByRegex: silence('00000000-0000-4000-8000-000000000005', [m('env', '=~', 'prod')]),
    notDev: silence('00000000-0000-4000-8000-000000000006', [m('env', '!=', 'dev')]),
  };
  const maintained: { nodeId: string; on: boolean; actor: string }[] = [];

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
      serveQuery(deps, silenceOperations.list, async (r) => {
        asked.push({ what: 'silences', request: r });
        return { silences: [...silences.values()].slice(0, r.limit) };
      }),
      serveQuery(deps, silenceOperations.create, async (r) => {
        const created = silence(
          `00000000-0000-4000-9000-${String(silences.size).padStart(12, '0')}`,
          r.matchers,
          r.actor,
        );
        silences.set(created.id, created);
        return created;
      }),
      serveQuery(deps, silenceOperations.fromAlert, async (r) => {
        asked.push({ what: 'fromAlert', request: r });
        const node = ['n1', 'n2', undefined][Number(r.fingerprint)];
        const matchers = [m('alertname', '=', 'HighCPU'), ...(node ? [m('node', '=', node)] : [])];
        const created = silence(
          `00000000-0000-4000-a000-${String(silences.size).padStart(12, '0')}`,
          matchers,
          r.actor,
        );
        silences.set(created.id, created);
        return created;
      }),
      serveQuery(deps, silenceOperations.expire, async (r) => {
        const s = silences.get(r.silenceId);
        if (!s) throw new NotFoundError(`no silence ${r.silenceId}`);
        const expired = { ...s, state: 'expired' as const, expiredAt: new Date().toISOString() };
        silences.set(s.id, expired);
        return expired;
      }),
      serveQuery(deps, registryQueries.startMaintenance, async (r) => {
        maintained.push({ nodeId: r.nodeId, on: true, actor: r.actor });
        const node = NODES.find((n) => n.id === r.nodeId);
        if (!node) throw new NotFoundError(`node ${r.nodeId} is not registered`);
        return { ...node, maintenance: { since: node.registeredAt, reason: r.reason, until: null, by: r.actor } };
      }),
      serveQuery(deps, registryQueries.endMaintenance, async (r) => {
        maintained.push({ nodeId: r.nodeId, on: false, actor: r.actor });
        const node = NODES.find((n) => n.id === r.nodeId);
        if (!node) throw new NotFoundError(`node ${r.nodeId} is not registered`);
        return node;
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
      ['GET', '/api/v1/alerts/notifications'],
      ['GET', '/api/v1/alerts/receivers'],
      ['GET', '/api/v1/alerts/routes'],
      ['POST', '/api/v1/alerts/receivers/x/test'],
      ['GET', '/api/v1/alerts/rules'],
      ['POST', '/api/v1/alerts/rules/apply'],
      ['GET', '/api/v1/maintenance-windows'],
      ['POST', '/api/v1/maintenance-windows'],
      ['POST', '/api/v1/maintenance-windows/preview'],
      ['DELETE', '/api/v1/maintenance-windows/0190a000-0000-7000-8000-0000000000a1'],
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

  describe('silences and maintenance, with two operator keys scoped to different label sets', () => {
    let prod: Created; // env=prod: n1, n3
    let web: Created; // team=web: n2, n3
    const ids = (r: { silences: SilenceView[] }) => r.silences.map((s) => s.id).sort();
    const listed = async (token: string) => {
      const r = await gw.fetch('/api/v1/alerts/silences', { token });
      expect(r.status).toBe(200);
      return ids((await r.json()) as { silences: SilenceView[] });
    };
    const create = (token: string, matchers: unknown) =>
      gw.fetch('/api/v1/alerts/silences', {
        method: 'POST',
        token,
        json: { matchers, duration: '1h', comment: 'scoped' },
      });

    beforeAll(async () => {
      for (const s of Object.values(SILENCES)) silences.set(s.id, s);
      prod = await createKey({ name: 'ops-prod-silences', role: 'operator', scope: { env: 'prod' } });
      web = await createKey({ name: 'ops-web-silences', role: 'operator', scope: { team: 'web' } });
    });

    it('lists only the silences whose equality matchers confine them to the scope', async () => {
      const S = SILENCES;
      expect(await listed(prod.key)).toEqual([S.prodByLabel.id, S.n3.id].sort());
      expect(await listed(web.key)).toEqual([S.n2.id, S.n3.id].sort());
      // For a key the service is asked for its newest 1,000; unscoped callers see every one.
      expect(lastAsked('silences')).toMatchObject({ limit: 1000 });
      expect((await listed(admin)).length).toBe(silences.size);
      expect(lastAsked('silences')).toMatchObject({ limit: 100 });
      const limited = await gw.fetch('/api/v1/alerts/silences?limit=1', { token: prod.key });
      expect(((await limited.json()) as { silences: unknown[] }).silences).toHaveLength(1);
      expect((await gw.fetch('/api/v1/alerts/silences?limit=0', { token: prod.key })).status).toBe(400);
    });

    it('creates a silence only when its own matchers keep it inside the scope', async () => {
      const accepted = [
        [prod.key, [m('env', '=', 'prod'), m('alertname', '=', 'DiskFull')]],
        [prod.key, { env: 'prod' }],
        [prod.key, [m('node', '=', 'n1')]],
        [web.key, [m('node', '=', 'n3')]],
        [web.key, { team: 'web', severity: 'critical' }],
      ] as const;
      for (const [token, matchers] of accepted) {
        const r = await create(token, matchers);
        expect([matchers, r.status]).toEqual([matchers, 201]);
        const made = (await r.json()) as SilenceView;
        expect(made.createdBy).toBe(`key:${token === prod.key ? prod.id : web.id}`);
        // What it made, it sees.
        expect(await listed(token)).toContain(made.id);
      }
      const refused = [
        [prod.key, [m('node', '=', 'n2')]],
        [prod.key, [m('env', '=', 'dev')]],
        [prod.key, [m('env', '=~', 'prod')]],
        [prod.key, [m('env', '!=', 'dev')]],
        [prod.key, [m('alertname', '=~', '.+')]],
        [prod.key, { team: 'web' }],
        [web.key, [m('node', '=', 'n1')]],
        [web.key, { env: 'prod' }],
      ] as const;
      const before = silences.size;
      for (const [token, matchers] of refused) {
        const r = await create(token, matchers);
        expect([matchers, r.status]).toEqual([matchers, 403]);
        expect(((await r.json()) as { detail: string }).detail).toMatch(/limited to (env=prod|team=web)/);
      }
      expect(silences.size).toBe(before);
      const invalid = await create(prod.key, [{ label: 'env', op: '==', value: 'prod' }]);
      expect(invalid.status).toBe(400);
      expect(((await invalid.json()) as { detail: string }).detail).toMatch(/matchers/);
      // The unscoped operator is not held to any scope.
      expect((await create(admin, [m('alertname', '=~', '.+')])).status).toBe(201);
    });

    it('expires only silences inside the scope; another answers as an unknown one (404)', async () => {
      const S = SILENCES;
      for (const [token, silenceId] of [
        [prod.key, S.n2.id],
        [prod.key, S.everything.id],
        [prod.key, S.notDev.id],
        [web.key, S.prodByLabel.id],
        [web.key, '00000000-0000-4000-8000-00000000ffff'],
      ]) {
        const r = await gw.fetch(`/api/v1/alerts/silences/${silenceId}`, { method: 'DELETE', token });
        expect([silenceId, r.status]).toEqual([silenceId, 404]);
        expect(((await r.json()) as { detail: string }).detail).toBe(`no silence ${silenceId}`);
        expect(silences.get(silenceId)?.state ?? 'unknown').not.toBe('expired');
      }
      const ok = await gw.fetch(`/api/v1/alerts/silences/${S.prodByLabel.id}`, { method: 'DELETE', token: prod.key });
      expect([ok.status, ((await ok.json()) as SilenceView).state]).toEqual([200, 'expired']);
      const shared = await gw.fetch(`/api/v1/alerts/silences/${S.n3.id}`, { method: 'DELETE', token: web.key });
      expect(shared.status).toBe(200);
      expect(silences.get(S.n3.id)?.state).toBe('expired');
    });

    it('silences an alert of a node in scope; an alert of another node or of none answers 404', async () => {
      const fp = (i: number) => `${i}`.padStart(16, '0');
      const post = (token: string, i: number) =>
        gw.fetch(`/api/v1/alerts/${fp(i)}/silence`, { method: 'POST', token, json: { comment: 'on it' } });
      for (const [token, i] of [
        [prod.key, 1],
        [prod.key, 2],
        [web.key, 0],
        [web.key, 7],
      ] as const) {
        const r = await post(token, i);
        expect([i, r.status]).toEqual([i, 404]);
        expect(((await r.json()) as { detail: string }).detail).toBe(`no alert ${fp(i)}`);
      }
      expect(asked.filter((a) => a.what === 'fromAlert')).toEqual([]);
      const r = await post(prod.key, 0);
      expect(r.status).toBe(201);
      expect(((await r.json()) as SilenceView).matchers).toContainEqual(m('node', '=', 'n1'));
      expect((await post(web.key, 1)).status).toBe(201);
    });

    it('puts a node in scope in maintenance and ends it; a node outside answers 404 like an unknown one', async () => {
      const put = (token: string, id: string) =>
        gw.fetch(`/api/v1/nodes/${id}/maintenance`, { method: 'PUT', token, json: { reason: 'kernel update' } });
      const del = (token: string, id: string) =>
        gw.fetch(`/api/v1/nodes/${id}/maintenance`, { method: 'DELETE', token });
      maintained.length = 0;
      for (const [call, token, id] of [
        [put, prod.key, 'n2'],
        [del, prod.key, 'n2'],
        [put, web.key, 'n1'],
        [del, web.key, 'n1'],
        [put, web.key, 'n9'],
      ] as const) {
        const r = await call(token, id);
        expect([id, r.status]).toEqual([id, 404]);
        expect(((await r.json()) as { detail: string }).detail).toBe(`node ${id} is not registered`);
      }
      expect(maintained).toEqual([]);
      const on = await put(prod.key, 'n1');
      expect([on.status, ((await on.json()) as { maintenance: { by: string } }).maintenance.by]).toEqual([
        200,
        `key:${prod.id}`,
      ]);
      expect((await del(prod.key, 'n1')).status).toBe(200);
      expect((await put(web.key, 'n2')).status).toBe(200);
      expect((await put(web.key, 'n3')).status).toBe(200);
      expect(maintained.map((x) => `${x.on ? 'on' : 'off'} ${x.nodeId} ${x.actor}`)).toEqual([
        `on n1 key:${prod.id}`,
        `off n1 key:${prod.id}`,
        `on n2 key:${web.id}`,
        `on n3 key:${web.id}`,
      ]);
      // A viewer key, scoped or not, still cannot.
      const viewer = await createKey({ name: 'view-prod', role: 'viewer', scope: { env: 'prod' } });
      expect((await put(viewer.key, 'n1')).status).toBe(403);
    });
  });
});
