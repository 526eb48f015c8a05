// npm test may run this suite beside another one: the bounds it asserts are not times (tools/test/run-tests.js).
import type { PlatformStatus } from '@vigil/contracts';
import { eventually, freePort, ServiceProcess } from '@vigil/test-support';
import { TestPlatform } from './platform';

jest.setTimeout(240_000);

/**
 * `GET /api/v1/platform/status` against every service as a process of its own, each on its own
 * NATS user (a permission the status needs and a user lacks fails the suite at teardown): every
 * service up with its replica and its readers' lag, then alert-svc stopped and reported down
 * while the others stay up.
 */
describe('platform status', () => {
  const platform = new TestPlatform();
  let alert: ServiceProcess;

  const status = async (): Promise<PlatformStatus> => {
    const r = await platform.getJson<PlatformStatus>('gateway', '/api/v1/platform/status');
    expect(r.status).toBe(200);
    return r.body;
  };
  const states = (s: PlatformStatus) => Object.fromEntries(s.services.map((x) => [x.service, x.state]));

  beforeAll(async () => {
    await platform.setup();
    const backupPort = await freePort();
    const backup = new ServiceProcess('backup-svc', {
      ...platform.env('backup-svc'),
      VIGIL_BACKUP_PORT: String(backupPort),
    }).start();
    platform.processes.push(backup);
    const [, , started] = await Promise.all([
      platform.startRegistry(),
      platform.startMetrics(),
      platform.startAlert({ VIGIL_ALERT_DEFAULT_RULES: 'false' }),
      platform.startGateway(),
      backup.waitHttpOk(`http://127.0.0.1:${backupPort}/health/ready`, 60_000),
    ]);
    alert = started.process;
  });
  afterAll(() => platform.teardown());

  it('reports every service up, one replica each, with its readers’ lag and the DLQ depths', async () => {
    const s = await eventually(
      async () => {
        const x = await status();
        const lagOf = (service: string, name: string) =>
          x.busLag.find((l) => l.service === service && l.name === name)?.pending;
        // metrics-svc reads samples once it holds its partitions' leases.
        return x.status === 'ok' && typeof lagOf('metrics-svc', 'metrics-ingest') === 'number' ? x : undefined;
      },
      { timeoutMs: 60_000, what: 'every service up and reporting' },
    );
    expect(states(s)).toEqual({
      gateway: 'up',
      'registry-svc': 'up',
      'metrics-svc': 'up',
      'alert-svc': 'up',
      'backup-svc': 'up',
    });
    for (const svc of s.services) {
      expect([svc.service, svc.replicas.length]).toEqual([svc.service, 1]);
      expect(Object.keys(svc.replicas[0].checks).sort()).toEqual(['nats', 'postgres', 'redis']);
    }
    const lag = (service: string, name: string) => s.busLag.find((l) => l.service === service && l.name === name);
    expect(lag('registry-svc', 'registry-heartbeats')).toMatchObject({ kind: 'durable', pending: 0 });
    expect(lag('registry-svc', 'projection-registry-nodes')).toMatchObject({ kind: 'projection', pending: 0 });
    expect(lag('gateway', 'projection-gateway-audit')).toMatchObject({ kind: 'projection' });
    expect(s.busLag.every((l) => l.pending !== null)).toBe(true);
    expect(s.dlq?.map((d) => d.service)).toEqual(['gateway', 'registry-svc', 'metrics-svc', 'alert-svc', 'backup-svc']);
  });

  it('reports a stopped service as down, the others still up, within the bound', async () => {
    await alert.stop();
    const started = Date.now();
    const s = await status();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(states(s)).toEqual({
      gateway: 'up',
      'registry-svc': 'up',
      'metrics-svc': 'up',
      'alert-svc': 'down',
      'backup-svc': 'up',
    });
    expect(s.status).toBe('error');
    const down = s.services.find((x) => x.service === 'alert-svc');
    expect(down).toEqual({ service: 'alert-svc', state: 'down', replicas: [] });
    expect(s.busLag.some((l) => l.service === 'alert-svc')).toBe(false);
  });
});
