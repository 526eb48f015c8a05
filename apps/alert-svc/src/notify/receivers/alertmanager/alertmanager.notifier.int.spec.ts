import { AlertmanagerReceiverConfig } from '@vigil/contracts';
import { eventually, freePort } from '@vigil/test-support';
import { AlertmanagerProcess } from '../testing/alertmanager-process';
import { CaptureServer } from '../testing/capture-server';
import { testDeps } from '../testing/log-capture';
import { describeNoSecretLeak } from '../testing/no-secret-leak';
import { describeRetryTable } from '../testing/retry-table';
import { firingAlert, notificationOf, resolvedAlert } from '../testing/sample-notifications';
import { AlertmanagerNotifier, alertsEndpoint } from './alertmanager.notifier';

function alertmanager(url: string, extra: Record<string, unknown> = {}) {
  return AlertmanagerReceiverConfig.parse({ type: 'alertmanager', url, ...extra });
}

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  status: { state: string };
}

describe('AlertmanagerNotifier against a real Alertmanager', () => {
  let am: AlertmanagerProcess;
  beforeAll(async () => {
    am = await new AlertmanagerProcess(await freePort()).start();
  }, 40_000);
  afterAll(() => am?.stop());
  const signal = new AbortController().signal;

  const alertsIn = async (): Promise<GettableAlert[]> =>
    (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as GettableAlert[];
  const startedAgo = (ms: number) => new Date(Date.now() - ms).toISOString();

  it('posts the alerts, which Alertmanager then lists with their labels and annotations', async () => {
    const startsAt = startedAgo(60_000);
    const n = notificationOf([
      firingAlert({
        fingerprint: 'a1',
        startsAt,
        labels: { alertname: 'DiskFull', severity: 'warning', node: 'db-01', mount: '/var' },
      }),
      firingAlert({
        fingerprint: 'a2',
        startsAt,
        labels: { alertname: 'DiskFull', severity: 'warning', node: 'db-02', empty: '' },
        value: undefined,
      }),
    ]);
    const result = await new AlertmanagerNotifier(alertmanager(am.url), testDeps()).notify(n, signal);
    expect(result).toEqual({ ok: true, retry: false, status: 200 });

    const listed = await eventually(
      async () => {
        const all = (await alertsIn()).filter((a) => a.labels['alertname'] === 'DiskFull');
        return all.length === 2 ? all : undefined;
      },
      { what: 'both alerts listed by Alertmanager' },
    );
    const byNode = Object.fromEntries(listed.map((a) => [a.labels['node'], a]));
    expect(byNode['db-01']).toMatchObject({
      labels: { alertname: 'DiskFull', severity: 'warning', node: 'db-01', mount: '/var' },
      annotations: {
        summary: 'CPU above 90% on web-01',
        description: 'CPU usage has been above 90% for 5 minutes.',
        value: '97.5',
      },
      generatorURL: 'https://vigil.example.com/alerts/HighCpu',
      status: { state: 'active' },
    });
    expect(Date.parse(byNode['db-01'].startsAt)).toBe(Date.parse(startsAt));
    expect(byNode['db-02'].labels).toEqual({ alertname: 'DiskFull', severity: 'warning', node: 'db-02' });
    expect(byNode['db-02'].annotations).not.toHaveProperty('value');
  });

  it('resolves an alert by posting it with endsAt', async () => {
    const labels = { alertname: 'NodeDown', severity: 'critical', node: 'edge-07' };
    const notifier = new AlertmanagerNotifier(alertmanager(am.url), testDeps());
    const startsAt = startedAgo(120_000);
    await notifier.notify(notificationOf([firingAlert({ labels, startsAt })]), signal);
    await eventually(async () => (await alertsIn()).some((a) => a.labels['alertname'] === 'NodeDown'), {
      what: 'NodeDown firing',
    });

    const result = await notifier.notify(
      notificationOf([resolvedAlert({ labels, startsAt, endsAt: startedAgo(1_000) })]),
      signal,
    );
    expect(result.ok).toBe(true);
    await eventually(async () => !(await alertsIn()).some((a) => a.labels['alertname'] === 'NodeDown'), {
      what: 'NodeDown resolved',
    });
  });

  it("reports Alertmanager's 400 for an invalid alert without retry", async () => {
    const n = notificationOf([firingAlert({ labels: { 'bad-label': 'x' }, startsAt: startedAgo(1_000) })]);
    const result = await new AlertmanagerNotifier(alertmanager(am.url), testDeps()).notify(n, signal);
    expect(result).toMatchObject({ ok: false, retry: false, status: 400 });
    expect(result.error).toContain(`alertmanager ${am.url}: HTTP 400`);
  });
});

describe('alertsEndpoint', () => {
  it.each([
    ['http://am:9093', 'http://am:9093/api/v2/alerts'],
    ['http://am:9093/', 'http://am:9093/api/v2/alerts'],
    ['https://example.com/am/', 'https://example.com/am/api/v2/alerts'],
  ])('%s -> %s', (base, endpoint) => {
    expect(alertsEndpoint(base)).toBe(endpoint);
  });
});

describe('AlertmanagerNotifier request body', () => {
  it('sends postable alerts: endsAt only when resolved, generatorURL from externalUrl', async () => {
    const server = await CaptureServer.start();
    try {
      await new AlertmanagerNotifier(alertmanager(server.url('/')), testDeps()).notify(
        notificationOf([firingAlert(), resolvedAlert({ fingerprint: 'r', annotations: { value: 'kept' } })]),
        new AbortController().signal,
      );
      expect(server.last.path).toBe('/api/v2/alerts');
      expect(server.last.headers.authorization).toBeUndefined();
      expect(JSON.parse(server.last.body)).toEqual([
        {
          labels: { alertname: 'HighCpu', severity: 'critical', node: 'web-01' },
          annotations: {
            summary: 'CPU above 90% on web-01',
            description: 'CPU usage has been above 90% for 5 minutes.',
            value: '97.5',
          },
          startsAt: '2026-03-01T10:00:00.000Z',
          generatorURL: 'https://vigil.example.com/alerts/HighCpu',
        },
        {
          labels: { alertname: 'HighCpu', severity: 'critical', node: 'web-01' },
          annotations: { value: 'kept' },
          startsAt: '2026-03-01T10:00:00.000Z',
          endsAt: '2026-03-01T10:20:00.000Z',
          generatorURL: 'https://vigil.example.com/alerts/HighCpu',
        },
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('AlertmanagerNotifier behind basic authentication', () => {
  it('sends the URL credentials as an Authorization header, never in the URL', async () => {
    const server = await CaptureServer.start();
    try {
      const url = server.url('/am').replace('http://', 'http://vigil:p%40ss@');
      const result = await new AlertmanagerNotifier(alertmanager(url), testDeps()).notify(
        notificationOf([firingAlert()]),
        new AbortController().signal,
      );
      expect(result.ok).toBe(true);
      expect(server.last.rawUrl).toBe('/am/api/v2/alerts');
      expect(server.last.headers.authorization).toBe(`Basic ${Buffer.from('vigil:p@ss').toString('base64')}`);
    } finally {
      await server.close();
    }
  });
});

describeRetryTable({
  receiver: 'alertmanager',
  notifier: (url, deps) => new AlertmanagerNotifier(alertmanager(url), deps),
});

describeNoSecretLeak({
  receiver: 'alertmanager',
  secrets: ['am-basic-pass-77', 'am-query-token-31', Buffer.from('vigil:am-basic-pass-77').toString('base64')],
  notifier: (url, deps, timeoutMs) => {
    const withCredentials = new URL(url);
    withCredentials.username = 'vigil';
    withCredentials.password = 'am-basic-pass-77';
    withCredentials.searchParams.set('token', 'am-query-token-31');
    return new AlertmanagerNotifier(alertmanager(withCredentials.toString(), { timeoutMs }), deps);
  },
});
