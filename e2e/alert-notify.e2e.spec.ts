import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type AlertRuleInput, DlqHeaders, type NotifyConfigInput, ruleOperations } from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { eventually, type ServiceProcess } from '@vigil/test-support';
import { CaptureServer, type CapturedRequest } from '../apps/alert-svc/src/notify/receivers/testing/capture-server';
import type { WebhookPayload } from '../apps/alert-svc/src/notify/receivers/webhook/webhook.payload';
import { CpuFeeds, highCpuRule, storedAlertEvents } from './alerting';
import { TestPlatform } from './platform';

const platform = new TestPlatform();
const S = 1000;
const FOR_MS = 2 * S;

const highCpu = highCpuRule({ for: FOR_MS, annotations: { summary: 'CPU busy on {{ $node }}' } });

/** A critical rule for the inhibition test's nodes only: it fires at once, before the warning's `for` closes. */
const criticalCpu: AlertRuleInput = {
  ...highCpu,
  id: 'cpu-critical',
  name: 'CPUCritical',
  severity: 'critical',
  matchers: [
    { label: 'cpu', op: '=', value: '' },
    { label: 'node', op: '=~', value: 'inhib-.*' },
  ],
  value: 95,
  for: 0,
};

let hook: CaptureServer;
let flaky: CaptureServer;
let broken: CaptureServer;
let crash: CaptureServer;
let down: CaptureServer;
let alertEnv: Record<string, string>;
let alert: ServiceProcess;
let alertPortNumber = 0;
const alertPort = () => alertPortNumber;
let pg: Client;

const cpuFeeds = new CpuFeeds(platform, { intervalMs: 500 });
const feed = (nodeId: string, cpu: () => number) => cpuFeeds.feed(nodeId, cpu);
const alertEventsStored = () => storedAlertEvents(platform);

async function api<T = Record<string, unknown>>(
  path: string,
  init?: { method?: string; body?: unknown },
): Promise<{ status: number; body: T }> {
  const res = await platform.gatewayFetch(path, {
    method: init?.method ?? 'GET',
    headers: init?.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const payload = (r: CapturedRequest) => JSON.parse(r.body) as WebhookPayload;
const forNode = (server: CaptureServer, node: string) =>
  server.requests.filter((r) => payload(r).commonLabels.node === node);

interface NotificationRow {
  id: string;
  receiver: string;
  state: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
}
const rows = async (receiver: string) =>
  (
    await pg.query<NotificationRow>(
      'SELECT id, receiver, state, attempts, last_status, last_error FROM alerting.notifications WHERE receiver = $1 ORDER BY created_at',
      [receiver],
    )
  ).rows;

beforeAll(async () => {
  await platform.setup();
  [hook, flaky, broken, crash, down] = await Promise.all([
    CaptureServer.start(),
    CaptureServer.start(),
    CaptureServer.start(),
    CaptureServer.start(),
    CaptureServer.start(),
  ]);
  const config: NotifyConfigInput = {
    receivers: {
      hook: { type: 'webhook', url: hook.url('/hook') },
      flaky: { type: 'webhook', url: flaky.url('/hook') },
      broken: { type: 'webhook', url: broken.url('/hook') },
      crash: { type: 'webhook', url: crash.url('/hook') },
      down: { type: 'webhook', url: down.url('/hook') },
    },
    inhibitRules: [{ source: { severity: 'critical' }, target: { severity: 'warning' }, equal: ['node'] }],
    route: {
      receiver: 'hook',
      groupBy: ['alertname', 'node'],
      groupWait: '0s',
      groupInterval: '1s',
      routes: [
        { matchers: [{ label: 'node', op: '=~', value: 'flaky-.*' }], receiver: 'flaky' },
        { matchers: [{ label: 'node', op: '=~', value: 'broken-.*' }], receiver: 'broken' },
        { matchers: [{ label: 'node', op: '=~', value: 'crash-.*' }], receiver: 'crash' },
        { matchers: [{ label: 'node', op: '=~', value: 'down-.*' }], receiver: 'down' },
      ],
    },
  };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-notify-'));
  writeFileSync(join(dir, 'notify.yaml'), JSON.stringify(config));
  alertEnv = {
    VIGIL_ALERT_DEFAULT_RULES: 'false',
    VIGIL_ALERT_LEASE_MS: '1500',
    VIGIL_ALERT_NOTIFY_CONFIG: join(dir, 'notify.yaml'),
    VIGIL_ALERT_DELIVERY_BACKOFF_MS: '200',
    // A receiver that never recovers is given up this long after its notification was recorded.
    VIGIL_ALERT_DELIVERY_MAX_AGE_MS: '3000',
  };
  ({ process: alert, port: alertPortNumber } = await platform.startAlert(alertEnv));
  await platform.startGateway();
  await requestQuery(
    platform.bus.nc,
    platform.bus.topology,
    ruleOperations.apply,
    { rules: [highCpu, criticalCpu], actor: 'test' },
    15_000,
  );
  pg = new Client({ connectionString: platform.db.url });
  await pg.connect();
}, 60_000);

afterAll(async () => {
  await cpuFeeds.stopAll();
  await pg?.end();
  await platform.teardown();
  await Promise.all([hook, flaky, broken, crash, down].map((s) => s?.close()));
}, 30_000);

describe('the notification pipeline', () => {
  it('delivers the first notification of a new group within a quarter of a second of the for window closing, then the resolved one', async () => {
    let cpu = 97;
    const f = feed('web-1', () => cpu);
    const arrived = await eventually(() => forNode(hook, 'web-1')[0], {
      timeoutMs: FOR_MS + 10 * S,
      what: 'the firing notification',
    });
    const at = Date.now();
    const pending = (await alertEventsStored()).find(
      (e) => e.type === 'alert.pending' && e.data.labels.node === 'web-1',
    );
    if (pending?.type !== 'alert.pending') throw new Error('no pending event');
    // Measured at the test's poll (every 50 ms), so this bounds the real delay from above.
    expect(at - Date.parse(pending.data.firesAt)).toBeLessThan(250 + 100);
    expect(arrived.at - Date.parse(pending.data.firesAt)).toBeLessThan(250);
    const body = payload(arrived);
    expect(body).toMatchObject({
      version: '1',
      receiver: 'hook',
      status: 'firing',
      groupLabels: { alertname: 'HighCPU', node: 'web-1' },
      commonLabels: { alertname: 'HighCPU', node: 'web-1', severity: 'warning' },
    });
    expect(body.alerts).toEqual([
      expect.objectContaining({ status: 'firing', annotations: { summary: 'CPU busy on web-1' }, value: 97 }),
    ]);
    expect(arrived.headers['idempotency-key']).toBe(body.id);

    cpu = 20;
    const resolved = await eventually(() => forNode(hook, 'web-1')[1], {
      timeoutMs: 10 * S,
      what: 'the resolved notification',
    });
    f.stop();
    expect(payload(resolved)).toMatchObject({
      status: 'resolved',
      groupKey: body.groupKey,
      alerts: [expect.objectContaining({ status: 'resolved' })],
    });
    expect(payload(resolved).id).not.toBe(body.id);
    // The outcome is recorded once the receiver has answered: a moment after it got the request.
    const log = await eventually(
      async () => {
        const r = await rows('hook');
        return r.every((x) => x.state !== 'pending') && r;
      },
      { what: 'both outcomes recorded' },
    );
    expect(log.map((r) => [r.state, r.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
    ]);
  }, 40_000);

  it('retries a 429 after its Retry-After, and reports a 400 without retrying it', async () => {
    let calls = 0;
    flaky.reply(() => (++calls === 1 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 200 }));
    broken.reply({ status: 400, body: 'bad payload' });
    const a = feed('flaky-1', () => 99);
    const b = feed('broken-1', () => 99);
    const delivered = await eventually(
      async () => (await rows('flaky'))[0]?.state === 'delivered' && (await rows('flaky'))[0],
      { timeoutMs: FOR_MS + 15 * S, what: 'the retried delivery' },
    );
    expect(delivered).toMatchObject({ attempts: 2, last_status: 200 });
    const times = flaky.requests.map((r) => r.at);
    expect(flaky.requests).toHaveLength(2);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(950);
    expect(flaky.requests[1].headers['idempotency-key']).toBe(flaky.requests[0].headers['idempotency-key']);

    const failed = await eventually(
      async () => (await rows('broken'))[0]?.state === 'failed' && (await rows('broken'))[0],
      { timeoutMs: 10 * S, what: 'the failed delivery' },
    );
    expect(failed).toMatchObject({
      attempts: 1,
      last_status: 400,
      last_error: expect.stringMatching(/HTTP 400: bad payload$/),
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(broken.requests).toHaveLength(1);
    a.stop();
    b.stop();
  }, 40_000);

  it('retries a receiver that keeps failing with backoff, then gives it up and says so', async () => {
    down.reply({ status: 503 });
    const f = feed('down-1', () => 99);
    const failed = await eventually(
      async () => (await rows('down'))[0]?.state === 'failed' && (await rows('down'))[0],
      { timeoutMs: FOR_MS + 15 * S, what: 'the given-up delivery' },
    );
    f.stop();
    expect(failed).toMatchObject({
      last_status: 503,
      last_error: expect.stringMatching(/HTTP 503.*\(gave up after \d+ attempts\)$/),
    });
    expect(failed.attempts).toBeGreaterThanOrEqual(3);
    expect(down.requests).toHaveLength(failed.attempts);
    // Each wait at least half of the doubling backoff (200 ms, 400 ms, ...), and one key throughout.
    const gaps = down.requests.slice(1).map((r, i) => r.at - down.requests[i].at);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(0.5 * 200 * 2 ** i - 20));
    expect(new Set(down.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
  }, 40_000);

  it('sends again, with the same idempotency key, what was sent when alert-svc was killed before recording it; and never what it recorded delivered', async () => {
    const killed: string[] = [];
    crash.reply((req) => {
      if (killed.length === 0) {
        killed.push(req.headers['idempotency-key'] as string);
        alert.kill('SIGKILL');
      }
      return { status: 200 };
    });
    const f = feed('crash-1', () => 99);
    await eventually(() => killed.length > 0, { timeoutMs: FOR_MS + 10 * S, what: 'the first delivery' });
    await alert.waitExit();
    const [recorded] = await rows('crash');
    expect(recorded).toMatchObject({ id: killed[0], state: 'pending', attempts: 1 });

    ({ process: alert, port: alertPortNumber } = await platform.startAlert(alertEnv));
    const again = await eventually(() => crash.requests[1], {
      timeoutMs: 15 * S,
      what: 'the delivery after the restart',
    });
    expect(again.headers['idempotency-key']).toBe(killed[0]);
    await eventually(async () => (await rows('crash'))[0]?.state === 'delivered', { what: 'the delivery recorded' });
    expect((await rows('crash')).map((r) => [r.id, r.state, r.attempts])).toEqual([[killed[0], 'delivered', 2]]);

    // Another restart: what was recorded delivered is not sent again.
    await alert.stop();
    ({ process: alert, port: alertPortNumber } = await platform.startAlert(alertEnv));
    await new Promise((r) => setTimeout(r, 3 * S));
    f.stop();
    expect(crash.requests).toHaveLength(2);
    expect(await rows('crash')).toHaveLength(1);
  }, 60_000);

  it('mutes the alerts a silence matches, shows them silenced, and notifies them once the silence is expired', async () => {
    const bad = await api('/api/v1/alerts/silences', {
      method: 'POST',
      body: { matchers: { node: 'quiet-1' }, duration: '1h' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/comment/);

    const created = await api<{ id: string; state: string; createdBy: string }>('/api/v1/alerts/silences', {
      method: 'POST',
      body: { matchers: { node: 'quiet-1' }, duration: '1h', comment: 'disk swap' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'active', createdBy: 'user:admin' });
    const f = feed('quiet-1', () => 99);
    const alert = await eventually(
      async () =>
        (
          await api<{ alerts: { fingerprint: string; state: string; silencedBy: string[] }[] }>(
            '/api/v1/alerts?node=quiet-1&state=firing',
          )
        ).body.alerts[0],
      { timeoutMs: FOR_MS + 10 * S, what: 'the silenced alert firing' },
    );
    expect(alert.silencedBy).toEqual([created.body.id]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(forNode(hook, 'quiet-1')).toEqual([]);

    const expired = await api<{ state: string }>(`/api/v1/alerts/silences/${created.body.id}`, { method: 'DELETE' });
    expect(expired.body.state).toBe('expired');
    const t0 = Date.now();
    await eventually(() => forNode(hook, 'quiet-1')[0], {
      timeoutMs: 5 * S,
      what: 'the notification after the silence',
    });
    expect(Date.now() - t0).toBeLessThan(1000);

    // One call silences exactly this alert (every one of its labels).
    const fromAlert = await api<{ matchers: { label: string; value: string }[]; state: string }>(
      `/api/v1/alerts/${alert.fingerprint}/silence`,
      {
        method: 'POST',
        body: { duration: '30m', comment: 'known, on it' },
      },
    );
    expect(fromAlert.status).toBe(201);
    expect(fromAlert.body.matchers).toEqual([
      { label: 'alertname', op: '=', value: 'HighCPU' },
      { label: 'node', op: '=', value: 'quiet-1' },
      { label: 'severity', op: '=', value: 'warning' },
    ]);
    const listed = await api<{ silences: { state: string }[] }>('/api/v1/alerts/silences?state=active');
    expect(listed.body.silences).toHaveLength(1);
    f.stop();
  }, 40_000);

  it('mutes the warning of a node whose critical alert fires (inhibition), and counts it', async () => {
    const f = feed('inhib-1', () => 99);
    await eventually(() => hook.requests.find((r) => payload(r).commonLabels.alertname === 'CPUCritical'), {
      timeoutMs: 10 * S,
      what: 'the critical notification',
    });
    await eventually(
      async () =>
        (await alertEventsStored()).find(
          (e) => e.type === 'alert.firing' && e.data.labels.node === 'inhib-1' && e.data.labels.alertname === 'HighCPU',
        ),
      {
        timeoutMs: FOR_MS + 10 * S,
        what: 'the warning firing',
      },
    );
    await new Promise((r) => setTimeout(r, 1000));
    f.stop();
    expect(forNode(hook, 'inhib-1').map((r) => payload(r).commonLabels.alertname)).toEqual(['CPUCritical']);
    const page = await (await fetch(`http://127.0.0.1:${alertPort()}/metrics`)).text();
    expect(page).toMatch(/vigil_notifications_muted_total\{[^}]*reason="inhibition"[^}]*\} [1-9]/);
  }, 30_000);

  it('answers the alert history, the notification history and a receiver test over REST', async () => {
    const history = await api<{ events: { type: string; labels: Record<string, string> }[] }>(
      '/api/v1/alerts/history?node=web-1',
    );
    expect(history.body.events.map((e) => e.type)).toEqual(['alert.resolved', 'alert.firing', 'alert.pending']);
    expect((await api('/api/v1/alerts/history?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z')).status).toBe(
      400,
    );

    const failed = await api<{
      notifications: {
        state: string;
        lastStatus: number;
        lastError: string;
        alerts: { labels: Record<string, string> }[];
      }[];
    }>('/api/v1/alerts/notifications?receiver=broken');
    expect(failed.body.notifications).toEqual([
      expect.objectContaining({ state: 'failed', lastStatus: 400, lastError: expect.stringMatching(/HTTP 400/) }),
    ]);
    const delivered = await api<{ notifications: { status: string; state: string }[] }>(
      '/api/v1/alerts/notifications?receiver=hook&state=delivered&limit=500',
    );
    expect(delivered.body.notifications.length).toBeGreaterThanOrEqual(3);

    expect(
      (await api<{ receivers: { name: string }[] }>('/api/v1/alerts/receivers')).body.receivers
        .map((r) => r.name)
        .sort(),
    ).toEqual(['broken', 'crash', 'down', 'flaky', 'hook']);
    const before = hook.requests.length;
    const tested = await api('/api/v1/alerts/receivers/hook/test', { method: 'POST' });
    expect(tested).toEqual({ status: 200, body: { ok: true, status: 200 } });
    expect(payload(hook.requests[before]).commonLabels.alertname).toBe('VigilTestNotification');
    expect((await api('/api/v1/alerts/receivers/broken/test', { method: 'POST' })).body).toMatchObject({
      ok: false,
      status: 400,
    });
    expect((await api('/api/v1/alerts/receivers/nope/test', { method: 'POST' })).status).toBe(404);
  }, 30_000);

  // Last: the event log keeps the unreadable event for good, and this suite's own reader would stumble on it.
  it('parks an alert event it cannot read, with the reason, and goes on notifying', async () => {
    const { js, jsm, topology } = platform.bus;
    const ack = await js.publish(
      topology.subjects.events('alert', '00000000000000ff'),
      Buffer.from('{"type":"alert.firing","data":'),
    );
    const parked = await eventually(
      async () => {
        const info = await jsm.streams.info(topology.streams.dlq);
        for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
          const m = await jsm.streams.getMessage(topology.streams.dlq, { seq }).catch(() => undefined);
          if (m?.subject.endsWith('alert-svc') && m.header.get(DlqHeaders.streamSeq) === String(ack.seq))
            return m.header.get(DlqHeaders.reason);
        }
        return undefined;
      },
      { what: 'the unreadable alert event in the DLQ' },
    );
    expect(parked).toMatch(/^invalid_payload: /);
    const f = feed('after-bad-1', () => 99);
    await eventually(() => forNode(hook, 'after-bad-1')[0], {
      timeoutMs: FOR_MS + 10 * S,
      what: 'a notification after the parked event',
    });
    f.stop();
  }, 30_000);
});
