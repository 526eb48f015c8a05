import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * The agent's bundle builds the contract schemas with zod-lite instead of zod. Here the same
 * entry (every schema and parsing function the agent uses) is bundled twice, once with each,
 * and both builds answer a corpus of valid documents and thousands of mutations of them:
 * the same success, the same output, the same issues (path, code, message).
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the build script is plain CommonJS
const { fromSources, zodLite } = require('./bundle') as { fromSources: object; zodLite: object };

const repo = path.join(__dirname, '..', '..', '..');
const ENTRY = `
export {
  AgentConfig, AgentConfigDocument, AppliedConfig, CollectorName, Sample, SampleBatch, Heartbeat, Inventory,
  SupervisorEvent, identityCommands, RpcReply, NodeId, Labels, createTopology, heartbeatMessage,
  sampleBatchMessage, inventoryMessage, agentEventMessage,
} from '@vigil/contracts';
export { loadConfig } from ${JSON.stringify(path.join(repo, 'apps/node-agent/src/config/boot-config.ts'))};
export { StoredCredentials } from ${JSON.stringify(path.join(repo, 'apps/node-agent/src/identity/credentials.ts'))};
export { Samples } from ${JSON.stringify(path.join(repo, 'apps/node-agent/src/collectors/collector-runner.ts'))};
`;

interface Result {
  success: boolean;
  data?: unknown;
  error?: { issues: { path: PropertyKey[]; code: string; message: string }[] };
}
interface Schema {
  safeParse(value: unknown): Result;
  parse(value: unknown): unknown;
}
type Built = Record<string, Schema> & {
  CollectorName: { options: string[] };
  identityCommands: Record<string, { request: Schema; reply: Schema }>;
  loadConfig(env: Record<string, string>, defaults: { hostname: string; homeDir: string }): unknown;
  createTopology(prefix: string, partitions?: number): unknown;
  heartbeatMessage(t: unknown, h: unknown, bootId: string): unknown;
  sampleBatchMessage(t: unknown, b: unknown): unknown;
  inventoryMessage(t: unknown, i: unknown): unknown;
  agentEventMessage(t: unknown, e: unknown): unknown;
};

let dir: string;
let zod: Built;
let lite: Built;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-zod-lite-'));
  await writeFile(path.join(dir, 'entry.ts'), ENTRY);
  const builds: Built[] = [];
  for (const [name, plugins] of [
    ['zod', [fromSources]],
    ['lite', [zodLite, fromSources]],
  ] as const) {
    const outfile = path.join(dir, `${name}.js`);
    await build({
      entryPoints: [path.join(dir, 'entry.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      nodePaths: [path.join(repo, 'node_modules')],
      absWorkingDir: repo,
      plugins: plugins as never,
      logLevel: 'error',
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle just built, CommonJS
    builds.push(require(outfile) as Built);
  }
  [zod, lite] = builds;
  // Two esbuild bundles: seconds on a busy machine, past Jest's 5 s default.
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Values that break one field or another: wrong types, bounds, formats, sizes. */
const ODD: unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  -1,
  0.5,
  1,
  99,
  100,
  1000,
  65535,
  65536,
  86_400_001,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  ' ',
  'x',
  'ok_name',
  'bad name',
  'node-1',
  '9',
  'http://127.0.0.1:9100/metrics',
  ' http://a\tb/ ',
  'not a url',
  '2026-12-04T06:00:00.000Z',
  '2026-12-04T06:00:00+08:00',
  '2026-02-30T00:00:00Z',
  '2026-12-04',
  '3f6c8a2e-1b4d-4c7a-9e2f-0a1b2c3d4e5f',
  'SIGTERM',
  'sigterm',
  'always',
  'http',
  'tcp',
  'command',
  'x'.repeat(129),
  'x'.repeat(300),
  [],
  ['a'],
  [1, 2],
  {},
  { a: 'b' },
  { 'bad key': 'v' },
  { cpu: { enabled: false } },
  { nope: {} },
  new Date(0),
];

/** The paths of every node of `value` (the root included). */
function paths(value: unknown, at: PropertyKey[] = []): PropertyKey[][] {
  const out = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  }
  return out;
}
function setAt(value: unknown, at: PropertyKey[], replacement: unknown, remove = false): unknown {
  if (at.length === 0) return replacement;
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }) as Record<
    PropertyKey,
    unknown
  >;
  const [head, ...rest] = at;
  if (rest.length === 0 && remove) {
    if (Array.isArray(copy)) copy.splice(head as number, 1);
    else delete copy[head];
  } else copy[head] = setAt(copy[head], rest, replacement, remove);
  return copy;
}
/** The seed, every node replaced by every odd value, every key removed, an unknown key added to every object. */
function mutations(seed: unknown): unknown[] {
  const out: unknown[] = [seed];
  for (const at of paths(seed)) {
    for (const odd of ODD) out.push(setAt(seed, at, odd));
    if (at.length > 0) out.push(setAt(seed, at, undefined, true));
    const node = at.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown>)[k], seed);
    if (node !== null && typeof node === 'object' && !Array.isArray(node))
      out.push(setAt(seed, at, { ...node, zz: 1 }));
  }
  return out;
}

const describeResult = (r: Result) =>
  r.success
    ? { success: true, data: r.data }
    : {
        success: false,
        issues: r
          .error!.issues.map((i) => ({ path: i.path, code: i.code, message: i.message }))
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      };

/** Parses every mutation of every seed with both builds; returns how many were valid and invalid. */
function compare(name: string, seeds: unknown[]): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  for (const input of seeds.flatMap(mutations)) {
    const expected = describeResult(zod[name].safeParse(input));
    const actual = describeResult(lite[name].safeParse(input));
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      expect({ schema: name, input, result: actual }).toStrictEqual({ schema: name, input, result: expected });
    }
    if (expected.success) valid++;
    else invalid++;
  }
  return { valid, invalid };
}

const fullConfig = {
  heartbeatIntervalMs: 2000,
  sampleIntervalMs: 1000,
  inventoryIntervalMs: 600_000,
  labels: { role: 'db', dc: 'sh1' },
  collectors: { cpu: { enabled: true, intervalMs: 1000 }, gpu: { enabled: false } },
  scrape: [
    {
      name: 'node_exporter',
      url: 'http://127.0.0.1:9100/metrics',
      intervalMs: 15_000,
      timeoutMs: 5000,
      labels: { team: 'ops' },
    },
  ],
  supervise: [
    {
      name: 'node_exporter',
      command: '/usr/bin/prometheus-node-exporter',
      args: ['--web.listen-address=127.0.0.1:9100'],
      env: { GOMAXPROCS: '1' },
      workingDir: '/',
      user: 'nobody',
      restart: 'always',
      backoff: { initialMs: 500, maxMs: 30_000 },
      maxRestarts: 5,
      restartWindowMs: 60_000,
      healthCheck: {
        type: 'http',
        url: 'http://127.0.0.1:9100/',
        expectStatus: 200,
        intervalMs: 5000,
        timeoutMs: 1000,
        failureThreshold: 2,
      },
      stopTimeoutMs: 5000,
    },
    { name: 'beat', command: 'filebeat', healthCheck: { type: 'tcp', port: 5066 } },
    { name: 'probe', command: 'true', healthCheck: { type: 'command', command: 'test', args: ['-e', '/'] } },
  ],
  spool: { maxBytes: 64 * 1024 * 1024 },
  metrics: { port: 9101, host: '127.0.0.1' },
};
const sample = { name: 'node_cpu_usage_percent', labels: { cpu: '0' }, value: 12.5 };
const at = '2026-12-04T06:00:00.000Z';
const inventory = {
  nodeId: 'node-1',
  collectedAt: at,
  hostname: 'db-1',
  os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0', arch: 'x64' },
  cpu: { model: 'Intel Xeon', cores: 2, physicalCores: 2 },
  memoryBytes: 25_000_000_000,
  disks: [{ device: '/dev/vda', sizeBytes: 107_374_182_400, type: 'HD' }],
  interfaces: [{ name: 'eth0', mac: '06:00:ac:10:00:02', ipv4: ['172.16.0.2'], ipv6: [] }],
  gpus: [{ index: 0, name: 'NVIDIA L4', memoryBytes: 24_152_899_584 }],
  agentVersion: '0.1.0',
  labels: { role: 'db' },
};
const heartbeat = {
  nodeId: 'node-1',
  seq: 3,
  sentAt: at,
  hostname: 'db-1',
  agentVersion: '0.1.0',
  uptimeSeconds: 12.5,
  intervalMs: 5000,
  config: { version: 'file:1+fleet:2', status: 'applied' },
};
const supervisorEvent = {
  nodeId: 'node-1',
  at,
  process: 'node_exporter',
  type: 'exited',
  pid: 42,
  exitCode: 1,
  signal: 'SIGTERM',
  reason: 'crashed',
};

describe('zod-lite answers as zod does', () => {
  it('is what the lite build holds, and zod is not', async () => {
    const { readFile } = await import('node:fs/promises');
    const [zodCode, liteCode] = await Promise.all([
      readFile(path.join(dir, 'zod.js'), 'utf8'),
      readFile(path.join(dir, 'lite.js'), 'utf8'),
    ]);
    expect(zodCode).toContain('$ZodType');
    expect(liteCode).not.toContain('$ZodType');
    expect(liteCode).toContain('zod-lite');
  });

  it('for agent configs, their documents and the applied-config report', () => {
    const counts = compare('AgentConfig', [
      {},
      fullConfig,
      {
        collectors: { diskio: {} },
        supervise: [{ name: 'a', command: 'b', healthCheck: { type: 'tcp', host: 'h', port: 1 } }],
      },
    ]);
    expect(counts.valid).toBeGreaterThan(100);
    expect(counts.invalid).toBeGreaterThan(1000);
    compare('AgentConfigDocument', [{ version: '7', sampleIntervalMs: 500 }, {}]);
    compare('AppliedConfig', [{ version: 'file:1', status: 'rejected', error: 'sampleIntervalMs: too small' }]);
    expect(lite.CollectorName.options).toEqual(zod.CollectorName.options);
  });

  it('for samples, batches, heartbeats, inventories and supervisor events', () => {
    compare('Sample', [
      sample,
      { name: 'up', value: 1 },
      // Over the series limits (a superRefine): the issue's path and message as zod gives them.
      { name: 'up', labels: { a: 'x'.repeat(1025) }, value: 1 },
      { name: 'up', labels: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`l${i}`, 'v'])), value: 1 },
    ]);
    compare('Samples', [[sample, { name: 'up', labels: {}, value: 0 }], []]);
    compare('SampleBatch', [
      { nodeId: 'node-1', seq: 0, timestamp: 1_764_800_000_000, intervalMs: 1000, samples: [sample] },
    ]);
    compare('Heartbeat', [heartbeat, { ...heartbeat, config: undefined }]);
    compare('Inventory', [inventory]);
    compare('SupervisorEvent', [supervisorEvent, { nodeId: 'n', at, process: 'p', type: 'started' }]);
  });

  it('for the enrollment request and reply, request/reply envelopes, node ids, labels and stored credentials', () => {
    const seeds: Record<string, { request: unknown; reply: unknown }> = {
      createEnrollmentToken: {
        request: { ttlSeconds: 3600, nodeId: 'node-1', note: 'rack 4', actor: 'user:admin' },
        reply: {
          tokenId: '3f6c8a2e-1b4d-4c7a-9e2f-0a1b2c3d4e5f',
          token: 't'.repeat(32),
          nodeId: 'node-1',
          expiresAt: at,
        },
      },
      enroll: {
        request: { token: 't'.repeat(32), nodeId: 'node-1', publicKey: 'k'.repeat(44), hostname: 'db-1' },
        reply: { nodeId: 'node-1', enrolledAt: at },
      },
      revokeNode: {
        request: { nodeId: 'node-1', reason: 'decommissioned', actor: 'user:admin' },
        reply: { nodeId: 'node-1', revokedAt: at },
      },
      rekeyNode: {
        request: { nodeId: 'node-1', reason: 'reinstalled', actor: 'key:0190' },
        reply: { nodeId: 'node-1', allowedAt: at },
      },
    };
    expect(Object.keys(lite.identityCommands)).toEqual(Object.keys(seeds));
    for (const [command, seed] of Object.entries(seeds)) {
      for (const side of ['request', 'reply'] as const) {
        for (const input of mutations(seed[side])) {
          expect(describeResult(lite.identityCommands[command][side].safeParse(input))).toStrictEqual(
            describeResult(zod.identityCommands[command][side].safeParse(input)),
          );
        }
      }
    }
    compare('RpcReply', [
      { ok: true, data: { nodeId: 'node-1' } },
      { ok: false, error: { type: 'validation', message: 'bad', details: [1] } },
    ]);
    compare('NodeId', ['node-1', 'A_b-9']);
    compare('Labels', [{ a: 'b', _x: '' }]);
    compare('StoredCredentials', [{ nodeId: 'node-1', privateKey: 'p', publicKey: 'k', enrolledAt: null }]);
  });

  it('for the messages the agent builds', () => {
    const topology = (built: Built) => built.createTopology('t', 16);
    const batch = { nodeId: 'node-1', seq: 9, timestamp: 1_764_800_000_000, intervalMs: 1000, samples: [sample] };
    const cases: [keyof Built, unknown][] = [
      ['heartbeatMessage', heartbeat],
      ['sampleBatchMessage', batch],
      ['inventoryMessage', inventory],
      ['agentEventMessage', supervisorEvent],
    ];
    const outcome = (built: Built, fn: keyof Built, input: unknown) => {
      try {
        const call = built[fn] as unknown as (t: unknown, v: unknown, bootId: string) => unknown;
        return { ok: call(topology(built), input, 'boot-1') };
      } catch (e) {
        const issues = (e as { issues?: { path: unknown; code: string; message: string }[] }).issues;
        return { error: issues?.map((i) => ({ path: i.path, code: i.code, message: i.message })) ?? String(e) };
      }
    };
    for (const [fn, seed] of cases) {
      for (const input of mutations(seed).slice(0, 400))
        expect(outcome(lite, fn, input)).toStrictEqual(outcome(zod, fn, input));
    }
  });

  it("for the agent's environment", () => {
    const base = {
      NATS_URL: 'nats://127.0.0.1:4222',
      VIGIL_AGENT_STATE_DIR: '/var/lib/vigil-agent',
      VIGIL_AGENT_LABELS: 'a=b, c = d',
    };
    const names = [
      'NATS_URL',
      'VIGIL_NATS_PREFIX',
      'VIGIL_PARTITIONS',
      'VIGIL_AGENT_STATE_DIR',
      'VIGIL_AGENT_SPOOL_DIR',
      'VIGIL_AGENT_CONFIG',
      'VIGIL_AGENT_HEARTBEAT_MS',
      'VIGIL_AGENT_SAMPLE_MS',
      'VIGIL_AGENT_INVENTORY_MS',
      'VIGIL_AGENT_LABELS',
      'VIGIL_AGENT_SPOOL_MAX_BYTES',
      'VIGIL_AGENT_METRICS_PORT',
      'VIGIL_AGENT_NODE_ID',
      'VIGIL_AGENT_ENROLLMENT_TOKEN',
      'VIGIL_AGENT_HOSTNAME',
      'LOG_LEVEL',
      'XDG_STATE_HOME',
    ];
    const values = [
      '',
      ' ',
      'x',
      '0',
      '1',
      '99',
      '100',
      '1e3',
      '1024',
      '-5',
      '2.5',
      '0x10',
      '65536',
      '99999999999',
      '/abs/dir',
      'rel/dir',
      'a=b,c=d',
      'bad',
      '=x',
      'A-b_9',
      'a b',
      'debug',
      'silent',
      'x'.repeat(300),
    ];
    const outcome = (built: Built, env: Record<string, string>) => {
      try {
        return { ok: built.loadConfig(env, { hostname: 'h', homeDir: '/home/h' }) };
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    let errors = 0;
    for (const name of names) {
      for (const value of values) {
        const env = { ...base, [name]: value };
        const expected = outcome(zod, env);
        if ('error' in expected) errors++;
        expect(outcome(lite, env)).toStrictEqual(expected);
      }
    }
    expect(errors).toBeGreaterThan(50);
  });
});
