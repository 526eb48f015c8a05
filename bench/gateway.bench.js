/**
 * The REST API's node reads through the real gateway, with authentication on and off in the
 * same run, against one registry-svc holding `--nodes` registered nodes:
 *
 *   - list:   GET /api/v1/nodes?limit=100&offset=<o>   (a page of 100, the offset varying)
 *   - detail: GET /api/v1/nodes/<id>                    (a node picked at random)
 *   - login:  POST /api/v1/auth/login                   (Argon2id check + a new session)
 *
 *   npm run bench -- gateway [--nodes 10000] [--requests 500] [--logins 30] [--warmup 50]
 *
 * The nodes are registered the way agents register them: one heartbeat each on the run's
 * TELEMETRY stream, which registry-svc turns into `node` events and its read model into rows of
 * `registry.nodes` (no SQL into its tables). The bench waits until registry-svc's own list
 * query counts them all.
 *
 * Two gateways run against the same registry-svc, bus, database and Redis prefix:
 *   - the gateway as shipped (apps/gateway/dist/main.js), authentication on;
 *   - the reference, `bench/lib/gateway-without-auth.js`: the same compiled AppModule with the
 *     global guard replaced by one that lets everyone in without reading credentials (bench
 *     code only; the shipped gateway has no switch for this).
 * Each measured round sends, in a rotating order, the same list and detail request as:
 * `noauth` (the reference, no credentials), `session` (the real gateway, the session's access
 * token as the browser sends it, in the `vigil_access` cookie), `bearer` (the same token as
 * `Authorization: Bearer`, as the CLI does) and `apikey` (an unscoped viewer API key as Bearer).
 * Requests are one at a time (keep-alive), so each latency is the request alone on this machine.
 *
 * The goal's keys are the authenticated (session cookie) figures: `nodes_p99_ms`, `node_p99_ms`
 * (< 50 ms) and `auth_overhead_p99_ms` (< 5 ms): the larger of the two routes' session p99 minus
 * the reference p99 in the same run. CPU-seconds over the measured rounds: both gateways,
 * registry-svc, this database's Postgres backends, redis-server and nats-server (shared servers:
 * whatever else uses them in the window is counted too, as in the ingest bench).
 */
const { randomBytes } = require('node:crypto');
const { join } = require('node:path');
const { cpus, loadavg } = require('node:os');
const { heartbeatMessage, registryQueries } = require('@vigil/contracts');
const { requestQuery } = require('@vigil/messaging');
const { freePort, ServiceProcess, testUrls } = require('@vigil/test-support');
const { createDatabase, infraPids, openBus, registerRedisCleanup } = require('./lib/infra');
const { cpuDelta, cpuOfPids } = require('./lib/proc');
const { closeAll, installSignalHandlers, Scope, trackChild } = require('./lib/scope');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const NODES = arg('nodes', 10_000);
const REQUESTS = arg('requests', 500);
const LOGINS = arg('logins', 30);
const WARMUP = arg('warmup', 50);
const PAGE = 100;

const started = Date.now();
const log = (msg) =>
  process.stderr.write(`[gateway ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fixed = (v, digits) => (v === undefined || v === null || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));
/** Nearest-rank quantile. */
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const ADMIN_PASSWORD = `bench-${randomBytes(12).toString('hex')}`;
const nodeId = (i) => `bench-node-${String(i).padStart(5, '0')}`;

async function startService(scope, name, env, port, entry) {
  const svc = trackChild(new ServiceProcess(name.startsWith('gateway') ? 'gateway' : name, env, entry));
  scope.add(`stop ${name}`, async () => {
    const code = await svc.stop();
    if (code !== 0 && code !== null) log(`${name} exited with ${code}; log tail:\n${svc.lines.slice(-15).join('\n')}`);
  });
  const t0 = Date.now();
  svc.start();
  await svc.waitHttpOk(`http://127.0.0.1:${port}/health/ready`, 120_000);
  log(`${name} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (pid ${svc.pid})`);
  return svc;
}

/** One heartbeat per node on the TELEMETRY stream; resolves once registry-svc's read model lists them all. */
async function registerNodes(bus) {
  const t0 = Date.now();
  const bootId = `bench-${randomBytes(4).toString('hex')}`;
  for (let from = 0; from < NODES; from += 1000) {
    const acks = [];
    for (let i = from; i < Math.min(from + 1000, NODES); i++) {
      const id = nodeId(i);
      const m = heartbeatMessage(
        bus.topology,
        {
          nodeId: id,
          seq: 0,
          sentAt: new Date().toISOString(),
          hostname: `host-${id}`,
          agentVersion: 'bench',
          uptimeSeconds: 1,
          intervalMs: 5000,
          labels: { env: i % 3 === 0 ? 'prod' : 'staging', rack: `r${i % 40}` },
        },
        bootId,
      );
      acks.push(bus.js.publish(m.subject, m.data, { msgID: m.msgId }));
    }
    await Promise.all(acks);
  }
  const publishedMs = Date.now() - t0;
  for (let last = -1; ;) {
    const page = await requestQuery(bus.nc, bus.topology, registryQueries.listNodes, { limit: 1, offset: 0 }, 10_000);
    if (page.total >= NODES) break;
    if (page.total !== last) log(`registered ${page.total} / ${NODES}`);
    last = page.total;
    await sleep(1000);
  }
  return { publishedMs, registeredMs: Date.now() - t0 };
}

async function login(base) {
  const t0 = performance.now();
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const body = await r.text();
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`login: ${r.status} ${body}`);
  return { ms, accessToken: JSON.parse(body).accessToken };
}

/** One request, timed to the end of the body; checks the answer. */
async function timedGet(url, headers, check) {
  const t0 = performance.now();
  const r = await fetch(url, { headers });
  const body = await r.text();
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${body.slice(0, 300)}`);
  check(JSON.parse(body));
  return ms;
}

async function main() {
  installSignalHandlers();
  const scope = new Scope('gateway');
  const result = {
    bench: 'gateway',
    cores: cpus().length,
    loadavg_1m_at_start: fixed(loadavg()[0], 2),
  };
  try {
    const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const bus = await openBus(scope, { prefix: `bgw${id}`, partitions: 16, name: 'vigil-bench-gateway' });
    const db = await createDatabase(scope, `vigil_bench_gateway_${id}`, { connect: true });
    const redisPrefix = `vigil-bench-gateway-${id}:`;
    registerRedisCleanup(scope, redisPrefix);
    const common = {
      NATS_URL: testUrls.nats,
      DATABASE_URL: db.url,
      REDIS_URL: testUrls.redis,
      VIGIL_NATS_PREFIX: bus.topology.prefix,
      VIGIL_REDIS_PREFIX: redisPrefix,
      VIGIL_PARTITIONS: String(bus.topology.partitions),
      LOG_LEVEL: 'warn',
    };

    const registryPort = await freePort();
    const registry = await startService(
      scope,
      'registry-svc',
      { ...common, VIGIL_REGISTRY_PORT: String(registryPort), VIGIL_OFFLINE_TIMEOUT_MS: '3600000' },
      registryPort,
    );
    log(`registering ${NODES} nodes (one heartbeat each)`);
    const reg = await registerNodes(bus);
    log(
      `published in ${(reg.publishedMs / 1000).toFixed(1)} s, all in the read model after ${(reg.registeredMs / 1000).toFixed(1)} s`,
    );

    const gatewayEnv = {
      ...common,
      VIGIL_AUTH_SECRET: randomBytes(32).toString('hex'),
      VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      VIGIL_AUTH_ACCESS_TTL_S: '3600',
      // Every login and request of the bench comes from 127.0.0.1: the per-address limits would
      // refuse them (both gateways still count every request in Redis).
      VIGIL_AUTH_LOGIN_PER_MINUTE: '10000',
      VIGIL_RATE_LIMIT_PER_IP: '1000000',
      VIGIL_RATE_LIMIT_PER_PRINCIPAL: '1000000',
    };
    const authPort = await freePort();
    const gateway = await startService(
      scope,
      'gateway',
      { ...gatewayEnv, VIGIL_GATEWAY_PORT: String(authPort) },
      authPort,
    );
    const noauthPort = await freePort();
    const noauth = await startService(
      scope,
      'gateway-without-auth',
      { ...gatewayEnv, VIGIL_GATEWAY_PORT: String(noauthPort) },
      noauthPort,
      join(__dirname, 'lib', 'gateway-without-auth.js'),
    );
    const authBase = `http://127.0.0.1:${authPort}`;
    const noauthBase = `http://127.0.0.1:${noauthPort}`;

    // The reference must really be without authentication, and the real gateway must really refuse.
    const anonymous = await fetch(`${authBase}/api/v1/nodes?limit=1`);
    if (anonymous.status !== 401) throw new Error(`the gateway answered ${anonymous.status} to an anonymous request`);
    await anonymous.text();
    const open = await fetch(`${noauthBase}/api/v1/nodes?limit=1`);
    if (open.status !== 200) throw new Error(`the gateway without auth answered ${open.status}`);
    await open.text();

    log(`${LOGINS} logins`);
    await login(authBase); // the first one also waits for the first admin to exist (created at boot)
    const logins = [];
    let accessToken;
    for (let i = 0; i < LOGINS; i++) {
      const l = await login(authBase);
      logins.push(l.ms);
      accessToken = l.accessToken;
    }
    const keyReply = await fetch(`${authBase}/api/v1/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ name: 'bench', role: 'viewer' }),
    });
    if (keyReply.status !== 201) throw new Error(`creating an API key: ${keyReply.status} ${await keyReply.text()}`);
    const apiKey = (await keyReply.json()).key;

    const variants = [
      { name: 'noauth', base: noauthBase, headers: {} },
      { name: 'session', base: authBase, headers: { cookie: `vigil_access=${encodeURIComponent(accessToken)}` } },
      { name: 'bearer', base: authBase, headers: { authorization: `Bearer ${accessToken}` } },
      { name: 'apikey', base: authBase, headers: { authorization: `Bearer ${apiKey}` } },
    ];
    const checkList = (offset) => (page) => {
      if (page.total !== NODES || page.items.length !== Math.min(PAGE, NODES - offset))
        throw new Error(`list at ${offset}: total ${page.total}, ${page.items.length} items`);
    };
    const checkNode = (id) => (node) => {
      if (node.id !== id) throw new Error(`detail of ${id}: got ${node.id}`);
    };
    // The same offsets and nodes for every variant: a pseudo-random walk over the fleet.
    const pages = Math.max(1, Math.ceil(NODES / PAGE));
    const offsetOf = (i) => ((i * 7919) % pages) * PAGE;
    const nodeOf = (i) => nodeId((i * 104_729 + 17) % NODES);
    const round = async (i, samples) => {
      for (let k = 0; k < variants.length; k++) {
        const v = variants[(i + k) % variants.length];
        const offset = offsetOf(i);
        const listMs = await timedGet(
          `${v.base}/api/v1/nodes?limit=${PAGE}&offset=${offset}`,
          v.headers,
          checkList(offset),
        );
        const id = nodeOf(i);
        const nodeMs = await timedGet(`${v.base}/api/v1/nodes/${id}`, v.headers, checkNode(id));
        if (samples) {
          samples[v.name].list.push(listMs);
          samples[v.name].node.push(nodeMs);
        }
      }
    };

    log(`warm-up: ${WARMUP} rounds`);
    for (let i = 0; i < WARMUP; i++) await round(i + REQUESTS, undefined);

    const pids = await infraPids(db);
    const procs = { gateway: [gateway.pid], noauth: [noauth.pid], registry: [registry.pid] };
    const cpu = async () => ({
      gateway: await cpuOfPids(procs.gateway),
      noauth: await cpuOfPids(procs.noauth),
      registry: await cpuOfPids(procs.registry),
      postgres: await cpuOfPids(pids.postgres),
      redis: await cpuOfPids(pids.redis),
      nats: await cpuOfPids(pids.nats),
    });
    log(`measuring: ${REQUESTS} rounds of ${variants.map((v) => v.name).join(', ')} × (list, detail)`);
    const samples = Object.fromEntries(variants.map((v) => [v.name, { list: [], node: [] }]));
    const cpu0 = await cpu();
    const t0 = performance.now();
    for (let i = 0; i < REQUESTS; i++) await round(i, samples);
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = await cpu();
    const used = (k) => (cpu1[k].size ? fixed(cpuDelta(cpu0[k], cpu1[k]), 2) : null);

    const q = (xs, p) => fixed(quantile(xs, p), 2);
    const stats = {};
    for (const v of variants)
      for (const route of ['list', 'node']) {
        const key = `${route === 'list' ? 'nodes' : 'node'}_${v.name}`;
        const xs = samples[v.name][route];
        stats[`${key}_p50_ms`] = q(xs, 0.5);
        stats[`${key}_p99_ms`] = q(xs, 0.99);
        stats[`${key}_max_ms`] = fixed(Math.max(...xs), 2);
      }
    const over = (variant, route, p) =>
      fixed(quantile(samples[variant][route], p) - quantile(samples.noauth[route], p), 2);
    const loginQ = (p) => fixed(quantile(logins, p), 1);
    Object.assign(result, {
      nodes: NODES,
      page_size: PAGE,
      requests_per_variant_and_route: REQUESTS,
      variants: variants.map((v) => v.name),
      logins: LOGINS,
      // The goal's keys: authenticated as a browser is (session cookie).
      nodes_p50_ms: stats.nodes_session_p50_ms,
      nodes_p99_ms: stats.nodes_session_p99_ms,
      node_p50_ms: stats.node_session_p50_ms,
      node_p99_ms: stats.node_session_p99_ms,
      auth_overhead_p99_ms: fixed(Math.max(over('session', 'list', 0.99), over('session', 'node', 0.99)), 2),
      nodes_auth_overhead_p99_ms: over('session', 'list', 0.99),
      node_auth_overhead_p99_ms: over('session', 'node', 0.99),
      nodes_auth_overhead_p50_ms: over('session', 'list', 0.5),
      node_auth_overhead_p50_ms: over('session', 'node', 0.5),
      bearer_overhead_p99_ms: fixed(Math.max(over('bearer', 'list', 0.99), over('bearer', 'node', 0.99)), 2),
      apikey_overhead_p99_ms: fixed(Math.max(over('apikey', 'list', 0.99), over('apikey', 'node', 0.99)), 2),
      nodes_apikey_overhead_p99_ms: over('apikey', 'list', 0.99),
      node_apikey_overhead_p99_ms: over('apikey', 'node', 0.99),
      nodes_apikey_overhead_p50_ms: over('apikey', 'list', 0.5),
      node_apikey_overhead_p50_ms: over('apikey', 'node', 0.5),
      login_p50_ms: loginQ(0.5),
      login_p99_ms: loginQ(0.99),
      login_max_ms: fixed(Math.max(...logins), 1),
      ...stats,
      register_publish_s: fixed(reg.publishedMs / 1000, 1),
      register_s: fixed(reg.registeredMs / 1000, 1),
      measured_s: fixed(seconds, 1),
      requests_gateway: REQUESTS * 2 * (variants.length - 1),
      requests_gateway_without_auth: REQUESTS * 2,
      gateway_cpu_s: used('gateway'),
      gateway_without_auth_cpu_s: used('noauth'),
      gateway_cpu_ms_per_request: fixed(
        (cpuDelta(cpu0.gateway, cpu1.gateway) * 1000) / (REQUESTS * 2 * (variants.length - 1)),
        3,
      ),
      gateway_without_auth_cpu_ms_per_request: fixed((cpuDelta(cpu0.noauth, cpu1.noauth) * 1000) / (REQUESTS * 2), 3),
      registry_svc_cpu_s: used('registry'),
      postgres_backends_cpu_s: used('postgres'),
      redis_cpu_s: used('redis'),
      nats_cpu_s: used('nats'),
      loadavg_1m_at_end: fixed(loadavg()[0], 2),
    });
    for (const v of variants)
      log(
        `${v.name.padEnd(7)} list p50 ${stats[`nodes_${v.name}_p50_ms`]} p99 ${stats[`nodes_${v.name}_p99_ms`]} ms | detail p50 ${stats[`node_${v.name}_p50_ms`]} p99 ${stats[`node_${v.name}_p99_ms`]} ms`,
      );
    log(`login p50 ${result.login_p50_ms} p99 ${result.login_p99_ms} ms`);
  } finally {
    await scope.close();
  }
  console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  async (e) => {
    console.error(e);
    await closeAll();
    process.exit(1);
  },
);
