import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createTopology, type NatsIdentity } from '@vigil/contracts';
import {
  AuthNatsServer,
  createAuthTestBus,
  createTestDatabase,
  freePort,
  loginToGateway,
  OtlpReceiver,
  ServiceProcess,
  type TestBus,
  type TestDatabase,
  testGatewayAuth,
  testUrls,
  uniqueId,
} from '@vigil/test-support';

/**
 * How long a service may take to report ready: several booting together on two busy cores
 * (other suites, other builds) took more than the 20 s default.
 */
const READY_TIMEOUT_MS = 60_000;

/**
 * One isolated Vigil deployment for a test file: its own nats-server with authorization (each
 * process connects as its own identity, with the permissions of libs/contracts), its own NATS
 * prefix, database and Redis key prefix, real service processes, and an OTLP receiver for their
 * traces. `bus` is the test's own connection, as admin.
 */
export class TestPlatform {
  nats!: AuthNatsServer;
  bus!: TestBus;
  db!: TestDatabase;
  otlp!: OtlpReceiver;
  readonly redisPrefix = `${uniqueId('vigil-test-')}:`;
  readonly ports: Record<string, number> = {};
  readonly processes: ServiceProcess[] = [];
  /** The first admin's access token, once the gateway has started. */
  adminToken = '';

  /** `partitions`: the deployment's VIGIL_PARTITIONS (4 unless a test needs the production 16). */
  constructor(
    private readonly registryEnv: Record<string, string> = {},
    private readonly partitions = 4,
  ) {}

  async setup(): Promise<this> {
    this.nats = await new AuthNatsServer(createTopology(uniqueId(), this.partitions)).start();
    this.bus = await createAuthTestBus(this.nats);
    this.db = await createTestDatabase();
    this.otlp = await new OtlpReceiver().start();
    for (const app of ['gateway', 'registry-svc']) this.ports[app] = await freePort();
    return this;
  }

  /** The environment of a process that connects to NATS as `identity`. */
  env(identity: NatsIdentity): Record<string, string> {
    return {
      ...this.nats.env(identity),
      DATABASE_URL: this.db.url,
      REDIS_URL: testUrls.redis,
      VIGIL_NATS_PREFIX: this.bus.topology.prefix,
      VIGIL_REDIS_PREFIX: this.redisPrefix,
      VIGIL_PARTITIONS: String(this.bus.topology.partitions),
      VIGIL_GATEWAY_PORT: String(this.ports.gateway),
      VIGIL_REGISTRY_PORT: String(this.ports['registry-svc']),
      OTEL_EXPORTER_OTLP_ENDPOINT: this.otlp.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
  }

  url(app: string, path: string): string {
    return `http://127.0.0.1:${this.ports[app]}${path}`;
  }

  async startRegistry(): Promise<ServiceProcess> {
    const p = new ServiceProcess('registry-svc', { ...this.env('registry-svc'), ...this.registryEnv }).start();
    this.processes.push(p);
    await p.waitHttpOk(this.url('registry-svc', '/health/ready'), READY_TIMEOUT_MS);
    return p;
  }

  /** One metrics-svc replica on its own port (several may run at once). */
  async startMetrics(extra: Record<string, string> = {}): Promise<{ process: ServiceProcess; port: number }> {
    const port = await freePort();
    const p = new ServiceProcess('metrics-svc', {
      ...this.env('metrics-svc'),
      VIGIL_METRICS_PORT: String(port),
      ...extra,
    }).start();
    this.processes.push(p);
    await p.waitHttpOk(`http://127.0.0.1:${port}/health/ready`, READY_TIMEOUT_MS);
    return { process: p, port };
  }

  /** One alert-svc replica on its own port (several may run at once). */
  async startAlert(extra: Record<string, string> = {}): Promise<{ process: ServiceProcess; port: number }> {
    const port = await freePort();
    const p = new ServiceProcess('alert-svc', {
      ...this.env('alert-svc'),
      VIGIL_ALERT_PORT: String(port),
      ...extra,
    }).start();
    this.processes.push(p);
    await p.waitHttpOk(`http://127.0.0.1:${port}/health/ready`, READY_TIMEOUT_MS);
    return { process: p, port };
  }

  /** One backup-svc replica on its own port (several may run at once). */
  async startBackup(extra: Record<string, string> = {}): Promise<{ process: ServiceProcess; port: number }> {
    const port = await freePort();
    const p = new ServiceProcess('backup-svc', {
      ...this.env('backup-svc'),
      VIGIL_BACKUP_PORT: String(port),
      ...extra,
    }).start();
    this.processes.push(p);
    await p.waitHttpOk(`http://127.0.0.1:${port}/health/ready`, READY_TIMEOUT_MS);
    return { process: p, port };
  }

  /** The gateway, with a known first admin password (and `extra` environment); logs in as that admin. */
  async startGateway(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const p = new ServiceProcess('gateway', { ...this.env('gateway'), ...testGatewayAuth.env, ...extra }).start();
    this.processes.push(p);
    await p.waitHttpOk(this.url('gateway', '/health/ready'), READY_TIMEOUT_MS);
    this.adminToken = await loginToGateway(this.url('gateway', ''));
    return p;
  }

  /** A request to the gateway as its admin (`token` for another caller). */
  gatewayFetch(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set('authorization', `Bearer ${token ?? this.adminToken}`);
    return fetch(this.url('gateway', path), { ...rest, headers });
  }

  startAgent(
    stateDir = mkdtempSync(join(tmpdir(), 'vigil-agent-')),
    extra: Record<string, string> = {},
  ): ServiceProcess {
    const p = new ServiceProcess('node-agent', {
      ...this.env('agent'),
      VIGIL_AGENT_STATE_DIR: stateDir,
      VIGIL_AGENT_HEARTBEAT_MS: '1000',
      VIGIL_AGENT_SAMPLE_MS: '1000',
      ...extra,
    }).start();
    this.processes.push(p);
    return p;
  }

  /** GET as JSON; to the gateway as its admin. */
  async getJson<T>(app: string, path: string): Promise<{ status: number; body: T; headers: Headers }> {
    const r = app === 'gateway' ? await this.gatewayFetch(path) : await fetch(this.url(app, path));
    return { status: r.status, body: (await r.json()) as T, headers: r.headers };
  }

  async teardown(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    const redis = new Redis(testUrls.redis);
    const keys = await redis.keys(`${this.redisPrefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await this.otlp?.stop();
    await this.bus?.close();
    const refused = this.nats?.permissionViolations() ?? [];
    await this.nats?.stop();
    await this.db?.drop();
    // Every process ran with least privilege: anything the server refused is a missing permission.
    if (refused.length > 0) throw new Error(`NATS refused:\n${refused.join('\n')}`);
  }
}
