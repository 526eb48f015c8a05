import { type PlatformStatus, PLATFORM_STATUS_WAIT_MS } from '@vigil/contracts';
import { Bus, Observability, type ServiceConfig, StatusResponder } from '@vigil/platform';
import { HealthChecker } from '@vigil/telemetry';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway, TEST_ADMIN_PASSWORD } from '../testing/gateway-app';

jest.setTimeout(90_000);

/**
 * `GET /api/v1/platform/status` on a real gateway over the test servers: backup-svc's status is
 * answered by real StatusResponders (the class every service runs) on the gateway's own bus, two
 * of them as two replicas, one of them not ready; the other services run nowhere and are down.
 */
describe('gateway platform status', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  let admin: string;
  const responders: StatusResponder[] = [];

  const status = async (): Promise<PlatformStatus> => {
    const r = await gw.fetch('/api/v1/platform/status', { token: admin });
    expect(r.status).toBe(200);
    return (await r.json()) as PlatformStatus;
  };

  /** A backup-svc "replica": the real responder, its checks as given. */
  const replica = (checks: ConstructorParameters<typeof HealthChecker>[0]) => {
    const bus = gw.app.get(Bus);
    const obs = gw.app.get(Observability);
    const config = { service: 'backup-svc' } as ServiceConfig;
    const responder = new StatusResponder(bus, obs, new HealthChecker(checks), config);
    responder.onApplicationBootstrap();
    responders.push(responder);
    return responder;
  };

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    gw = await startGateway(isolatedGatewayEnv(tbus, tdb, testUrls));
    admin = await gw.login('admin', TEST_ADMIN_PASSWORD);
  });
  afterAll(async () => {
    for (const r of responders) r.beforeApplicationShutdown();
    await gw?.close();
    await tbus.close();
    await tdb.drop();
  });

  it('reports the gateway itself, every service without replicas as down, and the DLQ depths', async () => {
    const { topology, js } = tbus;
    await js.publish(topology.subjects.dlq('metrics-svc'), new TextEncoder().encode('{}'));
    await js.publish(topology.subjects.dlq('metrics-svc'), new TextEncoder().encode('{}'));
    await js.publish(topology.subjects.dlq('gateway'), new TextEncoder().encode('{}'));
    const started = Date.now();
    const s = await status();
    // Every service is asked at once, each bounded: the answer never waits for one after another.
    expect(Date.now() - started).toBeLessThan(PLATFORM_STATUS_WAIT_MS * 2);
    expect(s.status).toBe('error');
    expect(s.services.map((x) => [x.service, x.state])).toEqual([
      ['gateway', 'up'],
      ['registry-svc', 'down'],
      ['metrics-svc', 'down'],
      ['alert-svc', 'down'],
      ['backup-svc', 'down'],
    ]);
    const [gateway, registry] = s.services;
    expect(Object.keys(gateway.replicas[0].checks).sort()).toEqual(['nats', 'postgres', 'redis']);
    expect(gateway.replicas[0].status).toBe('ok');
    expect(registry).toEqual({ service: 'registry-svc', state: 'down', replicas: [] });
    expect(s.dlq).toEqual([
      { service: 'gateway', depth: 1 },
      { service: 'registry-svc', depth: 0 },
      { service: 'metrics-svc', depth: 2 },
      { service: 'alert-svc', depth: 0 },
      { service: 'backup-svc', depth: 0 },
    ]);
    // The gateway's own read models, each with what its consumer has still to read.
    const own = s.busLag.filter((l) => l.service === 'gateway').map((l) => [l.name, l.kind, l.pending]);
    expect(own).toEqual(
      expect.arrayContaining([
        ['projection-gateway-users', 'projection', 0],
        ['projection-gateway-audit', 'projection', expect.any(Number)],
      ]),
    );
  });

  it('lists each replica that answers, and a service with one replica not ready as degraded', async () => {
    replica([{ name: 'postgres', check: async () => {} }]);
    replica([{ name: 'postgres', check: async () => {} }]);
    let s = await status();
    const backup = () => s.services.find((x) => x.service === 'backup-svc');
    expect(backup()?.state).toBe('up');
    expect(backup()?.replicas).toHaveLength(2);
    expect(backup()?.replicas[0].checks['postgres']).toMatchObject({ status: 'up' });
    replica([{ name: 'postgres', check: () => Promise.reject(new Error('connection refused')) }]);
    s = await status();
    expect(backup()?.state).toBe('degraded');
    expect(
      backup()
        ?.replicas.map((r) => r.status)
        .sort(),
    ).toEqual(['error', 'ok', 'ok']);
    expect(backup()?.replicas.find((r) => r.status === 'error')?.checks['postgres']).toMatchObject({
      status: 'down',
      error: 'connection refused',
    });
  });

  it('is for admins only', async () => {
    const created = await gw.fetch('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: { username: 'olga', role: 'operator', password: 'olga-password-0123' },
    });
    expect(created.status).toBe(201);
    const operator = await gw.login('olga', 'olga-password-0123');
    expect((await gw.fetch('/api/v1/platform/status', { token: operator })).status).toBe(403);
    expect((await gw.fetch('/api/v1/platform/status')).status).toBe(401);
  });
});
