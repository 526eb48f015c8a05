import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Heartbeat,
  heartbeatMessage,
  nodeEvents,
  type NodeView,
  type NotifyConfigInput,
  ruleOperations,
} from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { eventually, type ServiceProcess } from '@vigil/test-support';
import { CaptureServer } from '../apps/alert-svc/src/notify/receivers/testing/capture-server';
import type { WebhookPayload } from '../apps/alert-svc/src/notify/receivers/webhook/webhook.payload';
import { CpuFeeds, highCpuRule, storedAlertEvents, storedEvents } from './alerting';
import { TestPlatform } from './platform';

const platform = new TestPlatform();
const S = 1000;
const FOR_MS = 1500;

/** Every CPU series of a node: the feed sends only the all-CPU one. */
const highCpu = highCpuRule({ matchers: [], for: FOR_MS, annotations: { summary: 'CPU busy on {{ $node }}' } });

let hook: CaptureServer;
let alert: ServiceProcess;
let alertEnv: Record<string, string>;

async function register(nodeId: string): Promise<void> {
  const hb: Heartbeat = {
    nodeId,
    seq: 1,
    sentAt: new Date().toISOString(),
    hostname: `${nodeId}-host`,
    agentVersion: 'test',
    uptimeSeconds: 1,
    intervalMs: 1000,
    labels: {},
  };
  const m = heartbeatMessage(platform.bus.topology, hb, 'boot');
  await platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId });
  await eventually(async () => (await platform.getJson('gateway', `/api/v1/nodes/${nodeId}`)).status === 200, {
    what: `${nodeId} registered`,
  });
}

const cpuFeeds = new CpuFeeds(platform, { intervalMs: 500 });
const feed = (nodeId: string, cpu: number) => cpuFeeds.feed(nodeId, () => cpu);
const alertsStored = () => storedAlertEvents(platform);
const nodeEventsStored = () => storedEvents(platform, 'node', nodeEvents);
const told = (node: string) =>
  hook.requests.filter((r) => (JSON.parse(r.body) as WebhookPayload).commonLabels.node === node);

async function send<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await platform.gatewayFetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  await platform.setup();
  hook = await CaptureServer.start();
  const config: NotifyConfigInput = {
    receivers: { hook: { type: 'webhook', url: hook.url('/hook') } },
    route: { receiver: 'hook', groupBy: ['alertname', 'node'] },
  };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-maintenance-'));
  writeFileSync(join(dir, 'notify.yaml'), JSON.stringify(config));
  alertEnv = {
    VIGIL_ALERT_DEFAULT_RULES: 'false',
    VIGIL_ALERT_LEASE_MS: '1500',
    VIGIL_ALERT_NOTIFY_CONFIG: join(dir, 'notify.yaml'),
  };
  await platform.startRegistry();
  await platform.startGateway();
  ({ process: alert } = await platform.startAlert(alertEnv));
  await requestQuery(
    platform.bus.nc,
    platform.bus.topology,
    ruleOperations.apply,
    { rules: [highCpu], actor: 'test' },
    15_000,
  );
}, 60_000);

afterAll(async () => {
  await cpuFeeds.stopAll();
  await platform.teardown();
  await hook?.close();
}, 30_000);

describe('maintenance mode', () => {
  it('is set and ended over REST, recorded with who did it, and refused with the reason named', async () => {
    await register('mnt-0');
    expect((await send('PUT', '/api/v1/nodes/mnt-0/maintenance', {})).status).toBe(400);
    expect(
      JSON.stringify(
        (await send('PUT', '/api/v1/nodes/mnt-0/maintenance', { reason: 'x', until: '2020-01-01T00:00:00Z' })).body,
      ),
    ).toMatch(/until/);
    expect((await send('PUT', '/api/v1/nodes/nobody/maintenance', { reason: 'disk swap' })).status).toBe(404);
    expect((await send('DELETE', '/api/v1/nodes/mnt-0/maintenance')).status).toBe(409);

    const started = await send<NodeView>('PUT', '/api/v1/nodes/mnt-0/maintenance', { reason: 'disk swap' });
    expect(started.status).toBe(200);
    expect(started.body.maintenance).toMatchObject({
      reason: 'disk swap',
      until: null,
      by: 'user:admin',
    });
    const listed = await send<{ items: NodeView[] }>('GET', '/api/v1/nodes?maintenance=true');
    expect(listed.body.items.map((n) => n.id)).toEqual(['mnt-0']);
    const ended = await send<NodeView>('DELETE', '/api/v1/nodes/mnt-0/maintenance');
    expect(ended.body.maintenance).toBeNull();
    const events = (await nodeEventsStored()).filter((e) => e.type.startsWith('node.maintenance'));
    expect(events.map((e) => [e.type, e.meta.actor === 'user:admin'])).toEqual([
      ['node.maintenance_started', true],
      ['node.maintenance_ended', true],
    ]);
  }, 30_000);

  it('mutes the notifications of a node in maintenance, across a restart of alert-svc, and tells of its alerts once it ends', async () => {
    await register('mnt-1');
    await send('PUT', '/api/v1/nodes/mnt-1/maintenance', { reason: 'kernel upgrade' });
    const f = feed('mnt-1', 99);
    await eventually(
      async () => (await alertsStored()).find((e) => e.type === 'alert.firing' && e.data.labels.node === 'mnt-1'),
      { timeoutMs: FOR_MS + 10 * S, what: 'the alert firing' },
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(told('mnt-1')).toEqual([]);

    // A new dispatcher reads the maintenance from the node events before it tells anyone anything.
    alert.kill('SIGKILL');
    await alert.waitExit();
    ({ process: alert } = await platform.startAlert(alertEnv));
    await new Promise((r) => setTimeout(r, 3 * S));
    expect(told('mnt-1')).toEqual([]);

    await send('DELETE', '/api/v1/nodes/mnt-1/maintenance');
    const t0 = Date.now();
    await eventually(() => told('mnt-1')[0], { timeoutMs: 5 * S, what: 'the notification once maintenance ended' });
    expect(Date.now() - t0).toBeLessThan(1000);
    f.stop();
  }, 60_000);

  it('ends a maintenance by itself at its end (registry-svc), and notifications follow', async () => {
    await register('mnt-2');
    const until = new Date(Date.now() + 4 * S).toISOString();
    expect(
      (await send<NodeView>('PUT', '/api/v1/nodes/mnt-2/maintenance', { reason: 'short window', until })).body
        .maintenance?.until,
    ).toBe(until);
    const f = feed('mnt-2', 99);
    await eventually(
      async () => (await alertsStored()).find((e) => e.type === 'alert.firing' && e.data.labels.node === 'mnt-2'),
      { timeoutMs: FOR_MS + 10 * S, what: 'the alert firing' },
    );
    expect(told('mnt-2')).toEqual([]);
    const ended = await eventually(
      async () =>
        (await nodeEventsStored()).find((e) => e.type === 'node.maintenance_ended' && e.data.nodeId === 'mnt-2'),
      {
        timeoutMs: 10 * S,
        what: 'the expiry',
      },
    );
    expect(ended).toMatchObject({ data: { reason: 'expired' }, meta: { actor: 'service:registry-svc' } });
    expect(Date.parse(ended!.occurredAt)).toBeGreaterThanOrEqual(Date.parse(until));
    const arrived = await eventually(() => told('mnt-2')[0], {
      timeoutMs: 5 * S,
      what: 'the notification after the end',
    });
    expect(arrived.at).toBeGreaterThanOrEqual(Date.parse(until));
    expect((await platform.getJson<NodeView>('gateway', '/api/v1/nodes/mnt-2')).body.maintenance).toBeNull();
    f.stop();
  }, 40_000);
});
