import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  createTopology,
  isNatsRespondingIdentity,
  type NatsIdentity,
  type NatsRespondingIdentity,
} from '@vigil/contracts';
import {
  AuthNatsServer,
  createTestDatabase,
  eventually,
  findTool,
  freePort,
  ServiceProcess,
  type TestDatabase,
  testGatewayAuth,
  uniqueId,
} from '@vigil/test-support';

jest.setTimeout(120_000);

const SERVICES = [
  { app: 'gateway', portVariable: 'VIGIL_GATEWAY_PORT' },
  { app: 'registry-svc', portVariable: 'VIGIL_REGISTRY_PORT' },
  { app: 'metrics-svc', portVariable: 'VIGIL_METRICS_PORT' },
  { app: 'alert-svc', portVariable: 'VIGIL_ALERT_PORT' },
  { app: 'backup-svc', portVariable: 'VIGIL_BACKUP_PORT' },
];

/** A server process of our own on a free port, so the test can take it away and bring it back. */
class OwnServer {
  private child?: ChildProcess;
  constructor(
    private readonly command: string,
    private readonly args: string[],
  ) {}
  start(): this {
    this.child = spawn(this.command, this.args, { stdio: 'ignore' });
    return this;
  }
  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child!.on('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}

type Health = { status: string; checks: Record<string, { status: string; error?: string }> };

/**
 * Every service of the platform starts, connects, migrates, and serves
 * /health, /health/ready, /health/live and a /metrics page promtool accepts;
 * /health/ready turns 503 while NATS or Redis is down and 200 when it is back.
 */
describe('every service: health, readiness under outages, metrics, logs', () => {
  let db: TestDatabase;
  let nats: AuthNatsServer;
  let redis: OwnServer;
  let redisPort: number;
  const running: { app: string; port: number; process: ServiceProcess }[] = [];

  const startRedis = () =>
    new OwnServer('redis-server', [
      '--bind',
      '127.0.0.1',
      '--port',
      String(redisPort),
      '--save',
      '',
      '--appendonly',
      'no',
    ]).start();
  const health = async (port: number, path = '/health') => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: r.status, body: (await r.json()) as Health };
  };

  beforeAll(async () => {
    redisPort = await freePort();
    // NATS with authorization: each service connects as itself, and answers requests as its
    // responder user with a password of its own (NATS_RPC_USER/NATS_RPC_PASSWORD); the streams
    // are provisioned as admin.
    nats = await new AuthNatsServer(createTopology(uniqueId()), { separateResponderPasswords: true }).start();
    await nats.provision();
    redis = startRedis();
    db = await createTestDatabase();
    const env = {
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      DATABASE_URL: db.url,
      VIGIL_NATS_PREFIX: nats.topology.prefix,
      VIGIL_REDIS_PREFIX: `${uniqueId()}:`,
    };
    for (const s of SERVICES) {
      const port = await freePort();
      const natsEnv = nats.env(s.app as NatsIdentity);
      running.push({
        app: s.app,
        port,
        process: new ServiceProcess(s.app, {
          ...env,
          ...natsEnv,
          ...(s.app === 'gateway' ? testGatewayAuth.env : {}),
          [s.portVariable]: String(port),
        }).start(),
      });
    }
    // Five services boot at once against a fresh JetStream server: on two busy cores that has
    // taken more than 30 s.
    await Promise.all(running.map((r) => r.process.waitHttpOk(`http://127.0.0.1:${r.port}/health/ready`, 60_000)));
  });

  afterAll(async () => {
    await Promise.all(running.map((r) => r.process.stop()));
    await nats?.stop();
    await redis?.stop();
    await db?.drop();
  });

  it('reports every dependency up, and is live', async () => {
    for (const { app, port } of running) {
      const h = await health(port);
      expect({ app, status: h.body.status, checks: Object.keys(h.body.checks).sort() }).toEqual({
        app,
        status: 'ok',
        checks: ['nats', 'postgres', 'redis'],
      });
      expect((await health(port, '/health/live')).status).toBe(200);
    }
  });

  it('serves a /metrics page that promtool accepts, with the HTTP and NATS metrics', async () => {
    // Fails rather than skips even outside CI, as before requireTool.
    if (!findTool('promtool'))
      throw new Error('promtool is not installed (Debian package "prometheus"); .ci/run installs it');
    for (const { app, port } of running) {
      const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const check = spawnSync('promtool', ['check', 'metrics'], { input: page });
      expect({ app, code: check.status, problems: `${check.stdout}${check.stderr}`.trim() }).toEqual({
        app,
        code: 0,
        problems: '',
      });
      expect(page).toMatch(/vigil_http_requests_total\{[^}]*route="\/health"/);
      expect(page).toContain('# TYPE vigil_nats_messages_total counter');
      expect(page).toContain('# TYPE vigil_db_query_duration_seconds histogram');
      expect(page).toContain('process_cpu_seconds_total');
      if (app === 'registry-svc') {
        for (const m of [
          'vigil_agents_total',
          'vigil_agents_connected',
          'vigil_agents_disconnected',
          'vigil_agent_connect_total',
          'vigil_agent_disconnect_total',
        ]) {
          expect(page).toContain(`# TYPE ${m} `);
        }
      }
    }
  });

  it('answers 503 on /health/ready while Redis is down and 200 once it is back', async () => {
    await redis.stop();
    for (const { port } of running) {
      const r = await eventually(
        async () => ((await health(port, '/health/ready')).status === 503 ? health(port, '/health/ready') : undefined),
        {
          what: 'readiness to fail without Redis',
        },
      );
      expect(r.body.checks.redis.status).toBe('down');
      expect(r.body.checks.postgres.status).toBe('up');
    }
    redis = startRedis();
    for (const { port } of running) {
      await eventually(async () => (await health(port, '/health/ready')).status === 200, {
        timeoutMs: 15_000,
        what: 'readiness back with Redis',
      });
    }
  });

  it('answers 503 on /health/ready while NATS is down and 200 once it is back', async () => {
    await nats.kill();
    for (const { port } of running) {
      const r = await eventually(
        async () => ((await health(port, '/health/ready')).status === 503 ? health(port, '/health/ready') : undefined),
        {
          what: 'readiness to fail without NATS',
        },
      );
      expect(r.body.checks.nats.status).toBe('down');
    }
    await nats.start();
    for (const { port } of running) {
      await eventually(async () => (await health(port, '/health/ready')).status === 200, {
        timeoutMs: 20_000,
        what: 'readiness back with NATS',
      });
    }
  });

  it('answers 503 on /health/ready while only its responder user is refused, and 200 once it is allowed again', async () => {
    const responding = running.filter(({ app }) => isNatsRespondingIdentity(app));
    expect(responding.map(({ app }) => app).sort()).toEqual(['alert-svc', 'backup-svc', 'metrics-svc', 'registry-svc']);
    const rotated = { ...nats.responderPasswords };
    for (const { app } of responding) nats.responderPasswords[app as NatsRespondingIdentity] = 'rotated-elsewhere';
    // The server disconnects the responder connections, and refuses them when they come back.
    await nats.reload();
    for (const { port } of responding) {
      const r = await eventually(
        async () => ((await health(port, '/health/ready')).status === 503 ? health(port, '/health/ready') : undefined),
        { what: 'readiness to fail with the responder refused' },
      );
      expect(r.body.checks.nats.status).toBe('down');
      expect(r.body.checks.postgres.status).toBe('up');
    }
    Object.assign(nats.responderPasswords, rotated);
    await nats.reload();
    for (const { port } of responding) {
      await eventually(async () => (await health(port, '/health/ready')).status === 200, {
        timeoutMs: 20_000,
        what: 'readiness back with the responder allowed',
      });
    }
  });

  it('writes JSON log lines with time, level, msg and service, and no connection secrets', () => {
    for (const { app, process } of running) {
      const json = process.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      expect(json.length).toBeGreaterThan(0);
      for (const line of json) {
        expect(line).toEqual(
          expect.objectContaining({
            service: app,
            level: expect.any(String),
            msg: expect.any(String),
            time: expect.any(String),
          }),
        );
      }
      expect(process.lines.filter((l) => !l.startsWith('{'))).toEqual([]);
      const secrets = [nats.passwords[app as NatsIdentity], nats.responderPasswords[app as NatsRespondingIdentity]];
      for (const secret of secrets.filter((s) => s !== undefined))
        expect(process.lines.filter((l) => l.includes(secret))).toEqual([]);
    }
  });
});
