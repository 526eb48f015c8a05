// npm test may run this suite beside another one: the bounds it asserts are not times (tools/test/run-tests.js).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Heartbeat,
  heartbeatMessage,
  type MaintenanceWindowListReply,
  maintenanceWindowEvents,
  type MaintenanceWindowView,
  nodeEvents,
  type NodeView,
  type NotifyConfigInput,
  type PreviewMaintenanceWindowReply,
  ruleOperations,
} from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { WebSocket } from 'ws';
import { eventually, loginToGateway } from '@vigil/test-support';
import { CaptureServer } from '../apps/alert-svc/src/notify/receivers/testing/capture-server';
import type { WebhookPayload } from '../apps/alert-svc/src/notify/receivers/webhook/webhook.payload';
import { CpuFeeds, highCpuRule, storedAlertEvents, storedEvents } from './alerting';
import { TestPlatform } from './platform';

/**
 * Maintenance windows through the gateway, registry-svc and alert-svc as processes: a window
 * selects nodes by their labels (one registered during it too), their alerts fire and nobody is
 * told until the window ends or is cancelled; no node event is appended for it.
 */
const platform = new TestPlatform();
const S = 1000;
const FOR_MS = 1500;
const highCpu = highCpuRule({ matchers: [], for: FOR_MS, annotations: { summary: 'CPU busy on {{ $node }}' } });
const VIEWER = { username: 'e2e-mw-viewer', password: 'e2e-mw-viewer-password-0123' };

let hook: CaptureServer;

async function register(nodeId: string, labels: Record<string, string>): Promise<void> {
  const hb: Heartbeat = {
    nodeId,
    seq: 1,
    sentAt: new Date().toISOString(),
    hostname: `${nodeId}-host`,
    agentVersion: 'test',
    uptimeSeconds: 1,
    intervalMs: 1000,
    labels,
  };
  const m = heartbeatMessage(platform.bus.topology, hb, 'boot');
  await platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId });
  await eventually(async () => (await platform.getJson('gateway', `/api/v1/nodes/${nodeId}`)).status === 200, {
    what: `${nodeId} registered`,
  });
}

const cpuFeeds = new CpuFeeds(platform, { intervalMs: 500 });
const feed = (nodeId: string) => cpuFeeds.feed(nodeId, () => 99);
const firing = (node: string) =>
  eventually(
    async () =>
      (await storedAlertEvents(platform)).find((e) => e.type === 'alert.firing' && e.data.labels.node === node),
    { timeoutMs: FOR_MS + 15 * S, what: `the alert of ${node} firing` },
  );
const told = (node: string) =>
  hook.requests.filter((r) => (JSON.parse(r.body) as WebhookPayload).commonLabels.node === node);

async function send<T>(method: string, path: string, body?: unknown, token?: string) {
  const res = await platform.gatewayFetch(path, {
    method,
    token,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}
const node = async (id: string) => (await platform.getJson<NodeView>('gateway', `/api/v1/nodes/${id}`)).body;
const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();

beforeAll(async () => {
  await platform.setup();
  hook = await CaptureServer.start();
  const config: NotifyConfigInput = {
    receivers: { hook: { type: 'webhook', url: hook.url('/hook') } },
    route: { receiver: 'hook', groupBy: ['alertname', 'node'] },
  };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mw-'));
  writeFileSync(join(dir, 'notify.yaml'), JSON.stringify(config));
  await platform.startRegistry();
  await platform.startGateway();
  await platform.startAlert({
    VIGIL_ALERT_DEFAULT_RULES: 'false',
    VIGIL_ALERT_LEASE_MS: '1500',
    VIGIL_ALERT_NOTIFY_CONFIG: join(dir, 'notify.yaml'),
  });
  await requestQuery(
    platform.bus.nc,
    platform.bus.topology,
    ruleOperations.apply,
    { rules: [highCpu], actor: 'test' },
    15_000,
  );
}, 120_000);

afterAll(async () => {
  await cpuFeeds.stopAll();
  await platform.teardown();
  await hook?.close();
}, 30_000);

describe('maintenance windows', () => {
  it('refuses hostile and unbounded windows naming the field, and changes only for operators', async () => {
    const base = { matchers: [{ label: 'rack', op: '=', value: '7' }], endsAt: inFuture(60 * S), reason: 'power' };
    const refused = async (body: unknown, field: RegExp) => {
      const r = await send<{ errors?: string[] }>('POST', '/api/v1/maintenance-windows', body);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(field);
    };
    await refused({ ...base, matchers: [] }, /matchers/);
    await refused(
      { ...base, matchers: [{ label: 'rack', op: '=~', value: '(?=7)7' }] },
      /matchers\.0\.value.*lookahead/,
    );
    await refused({ ...base, matchers: [{ label: 'rack', op: '=~', value: 'a'.repeat(5000) }] }, /matchers\.0\.value/);
    await refused(
      { ...base, matchers: Array.from({ length: 21 }, (_, i) => ({ label: `l${i}`, op: '=', value: 'x' })) },
      /matchers/,
    );
    await refused({ ...base, endsAt: '2020-01-01T00:00:00Z' }, /endsAt.*future/);
    await refused({ ...base, endsAt: inFuture(31 * 86_400 * S) }, /endsAt.*30 days/);
    await refused({ ...base, startsAt: inFuture(400 * 86_400 * S), endsAt: inFuture(401 * 86_400 * S) }, /startsAt/);
    await refused({ ...base, reason: ' ' }, /reason/);
    await refused({ ...base, reason: 'x'.repeat(501) }, /reason/);
    await refused({ ...base, matchers: { ['x'.repeat(200)]: 'y' } }, /matchers/);
    expect((await send('DELETE', '/api/v1/maintenance-windows/not-a-uuid')).status).toBe(400);
    expect((await send('DELETE', '/api/v1/maintenance-windows/0190a000-0000-7000-8000-0000000000ff')).status).toBe(404);

    expect((await send('POST', '/api/v1/users', { ...VIEWER, role: 'viewer' })).status).toBe(201);
    const viewer = await loginToGateway(platform.url('gateway', ''), VIEWER.username, VIEWER.password);
    expect((await send('GET', '/api/v1/maintenance-windows', undefined, viewer)).status).toBe(200);
    expect(
      (await send('POST', '/api/v1/maintenance-windows/preview', { matchers: base.matchers }, viewer)).status,
    ).toBe(200);
    expect((await send('POST', '/api/v1/maintenance-windows', base, viewer)).status).toBe(403);
  }, 30_000);

  it('puts the nodes it selects in maintenance while active (one registered during it too), mutes them, and tells of them once it ends', async () => {
    await register('mw-1', { rack: '7', role: 'web' });
    await register('mw-2', { rack: '8', role: 'web' });
    const preview = await send<PreviewMaintenanceWindowReply>('POST', '/api/v1/maintenance-windows/preview', {
      matchers: { rack: '7' },
    });
    expect(preview.body).toEqual({
      total: 1,
      nodes: [{ id: 'mw-1', hostname: 'mw-1-host', labels: { rack: '7', role: 'web' } }],
    });

    const endsAt = inFuture(30 * S);
    const created = await send<MaintenanceWindowView>('POST', '/api/v1/maintenance-windows', {
      matchers: [{ label: 'rack', op: '=~', value: '7|9' }],
      endsAt,
      reason: 'rack 7 power work',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      state: 'active',
      createdBy: 'user:admin',
      nodes: 1,
      reason: 'rack 7 power work',
    });
    const id = created.body.id;
    expect((await node('mw-1')).maintenance).toMatchObject({
      window: id,
      reason: 'rack 7 power work',
      by: 'user:admin',
      until: endsAt,
    });
    expect((await node('mw-2')).maintenance).toBeNull();
    // A node registered during the window is in it from its labels.
    await register('mw-3', { rack: '9' });
    expect((await node('mw-3')).maintenance).toMatchObject({ window: id });
    const listed = await send<{ items: NodeView[] }>('GET', '/api/v1/nodes?maintenance=true');
    expect(listed.body.items.map((n) => n.id).sort()).toEqual(['mw-1', 'mw-3']);

    const feeds = ['mw-1', 'mw-2', 'mw-3'].map(feed);
    await Promise.all(['mw-1', 'mw-2', 'mw-3'].map(firing));
    await eventually(() => told('mw-2')[0], { timeoutMs: 5 * S, what: 'the node outside the window told of' });
    expect(Date.now()).toBeLessThan(Date.parse(endsAt));
    expect([told('mw-1'), told('mw-3')]).toEqual([[], []]);

    const [first1, first3] = await Promise.all(
      ['mw-1', 'mw-3'].map((n) =>
        eventually(() => told(n)[0], { timeoutMs: 40 * S, what: `${n} told of after the end` }),
      ),
    );
    expect(Math.min(first1.at, first3.at)).toBeGreaterThanOrEqual(Date.parse(endsAt));
    expect((await node('mw-1')).maintenance).toBeNull();
    const windows = await send<MaintenanceWindowListReply>('GET', '/api/v1/maintenance-windows?state=past');
    expect(windows.body.windows.find((w) => w.id === id)).toMatchObject({ state: 'ended', nodes: 2 });
    // One event for the window; none per node.
    const nodeMaintenance = (await storedEvents(platform, 'node', nodeEvents)).filter((e) =>
      e.type.startsWith('node.maintenance'),
    );
    expect(nodeMaintenance).toEqual([]);
    feeds.forEach((f) => f.stop());
  }, 90_000);

  it('ends at its cancellation, recorded with who cancelled it, and a scheduled one does not start', async () => {
    // The live API's maintenance topic tells of each window scheduled and cancelled.
    const ws = new WebSocket(`ws://127.0.0.1:${platform.ports.gateway}/ws`, {
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    const frames: { type: string; event?: { type: string; actor: string; data: Record<string, unknown> } }[] = [];
    ws.on('message', (data) => void frames.push(JSON.parse(String(data)) as (typeof frames)[number]));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ op: 'subscribe', id: 'mw', topic: 'maintenance' }));
    await eventually(() => frames.some((f) => f.type === 'subscribed'), { what: 'subscribed to maintenance' });
    await register('mw-4', { rack: '4' });
    const later = await send<MaintenanceWindowView>('POST', '/api/v1/maintenance-windows', {
      matchers: { rack: '4' },
      startsAt: inFuture(3_600 * S),
      endsAt: inFuture(7_200 * S),
      reason: 'next hour',
    });
    expect(later.body.state).toBe('scheduled');
    expect((await node('mw-4')).maintenance).toBeNull();
    const now = await send<MaintenanceWindowView>('POST', '/api/v1/maintenance-windows', {
      matchers: { rack: '4' },
      endsAt: inFuture(3_600 * S),
      reason: 'disk swap',
    });
    const f = feed('mw-4');
    await firing('mw-4');
    await new Promise((r) => setTimeout(r, 2 * S));
    expect(told('mw-4')).toEqual([]);

    const cancelled = await send<MaintenanceWindowView>('DELETE', `/api/v1/maintenance-windows/${now.body.id}`);
    expect(cancelled.body).toMatchObject({ state: 'cancelled', cancelledBy: 'user:admin' });
    expect((await send('DELETE', `/api/v1/maintenance-windows/${now.body.id}`)).status).toBe(409);
    await eventually(() => told('mw-4')[0], { timeoutMs: 10 * S, what: 'mw-4 told of after the cancellation' });
    expect((await node('mw-4')).maintenance).toBeNull();
    await send('DELETE', `/api/v1/maintenance-windows/${later.body.id}`);

    const events = (await storedEvents(platform, 'maintenance', maintenanceWindowEvents)).filter(
      (e) => e.type === 'maintenance_window.cancelled',
    );
    expect(events.map((e) => [e.data.windowId, e.meta.actor])).toEqual([
      [now.body.id, 'user:admin'],
      [later.body.id, 'user:admin'],
    ]);
    const live = await eventually(
      () => {
        const seen = frames.flatMap((f) => (f.type === 'event' && f.event ? [f.event] : []));
        return seen.length >= 4 ? seen : undefined;
      },
      { what: 'the window events on the socket' },
    );
    expect(live.map((e) => [e.type, e.actor])).toEqual([
      ['maintenance_window.scheduled', 'user:admin'],
      ['maintenance_window.scheduled', 'user:admin'],
      ['maintenance_window.cancelled', 'user:admin'],
      ['maintenance_window.cancelled', 'user:admin'],
    ]);
    ws.close();
    f.stop();
  }, 60_000);
});
