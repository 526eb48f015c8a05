/**
 * The console and the live API under a registered fleet (issue 20):
 *
 *   npm run bench -- dashboard [--nodes 10000] [--streaming 50] [--ws-clients 1000] [--runs 10]
 *                              [--ws-seconds 30] [--a2s-seconds 20] [--events-per-s 5]
 *
 * The platform is started as the other benches start it: registry-svc, metrics-svc and the gateway
 * (which serves the built console, apps/dashboard/dist, rebuilt by this bench with Vite first) as
 * child processes on the NATS, Postgres and Redis at NATS_URL, DATABASE_URL and REDIS_URL, under a
 * prefix, database and Redis key prefix of this run. `--nodes` nodes are registered as agents
 * register (one heartbeat each on the run's TELEMETRY stream, labels `env` and `rack`); the first
 * `--streaming` of them then stream as agents do, every second a heartbeat and a sample batch
 * (CPU, memory, disk, network) stamped with the moment it is made.
 *
 * Browser (Debian's /usr/bin/chromium, headless, through playwright-core, signed in as the admin):
 *   - overview_tti_p95_ms: `/` loaded `--runs` times; navigation start (performance.timeOrigin) to
 *     the first animation frame where the node table counts the whole fleet (aria-rowcount), has
 *     its first row drawn and the search box is enabled;
 *   - filter_p95_ms: on the loaded overview, alternately a search typed (fill) and a label chosen
 *     (`rack=rN`); from the input/change event (captured on the document) to the first animation
 *     frame where the table holds exactly the expected number of rows;
 *   - node_detail_load_ms (p95 over `--runs` streaming nodes): `/nodes/<id>?range=24h`, navigation
 *     start to the frame where the heading and all four charts (a canvas, data-points > 0) are shown;
 *   - agent_to_screen_p95_ms: on one streaming node's page, every change of the CPU chart's
 *     `data-last` (the newest point's own sample timestamp, set as the point is drawn) over
 *     `--a2s-seconds`, measured at the next animation frame as Date.now() − that timestamp (the
 *     fleet and the browser share this machine's clock).
 * Live API: `--ws-clients` `ws` clients (Bearer, the admin's access token) each subscribed to
 * `fleet`; one in ten also to `samples` of the streaming nodes (up to 50). For `--ws-seconds` new
 * nodes register at `--events-per-s` (each a `node.registered` event for every client) while the
 * fleet streams; lag = receive time − the event's `occurredAt` / the batch's `timestamp`
 * (ws_lag_p99_ms). gateway_rss_mb: the gateway's peak VmRSS in that phase.
 *
 * References measured in the same run: the REST list alone (every page of /api/v1/nodes at 500, as
 * the console reads it, fetched by this process), the same lags seen by a plain NATS subscription of
 * this process on the same subjects (bus_*), and the gateway's RSS before the sockets open.
 * initial_js_kb_gz comes from tools/build/bundle-budget.js on the fresh build.
 */
/* global window, document, requestAnimationFrame, MutationObserver -- functions run in the page */
const { spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { cpus, loadavg } = require('node:os');
const { decodeSampleBatch, heartbeatMessage, registryQueries, sampleBatchMessage } = require('@vigil/contracts');
const { requestQuery } = require('@vigil/messaging');
const { freePort, ServiceProcess, testUrls } = require('@vigil/test-support');
const { chromium } = require('playwright-core');
const WebSocket = require('ws');
const { measure: measureBundle } = require('../tools/build/bundle-budget');
const { createDatabase, openBus, registerRedisCleanup } = require('./lib/infra');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { cpuSeconds, RssSampler } = require('./lib/proc');
const { closeAll, installSignalHandlers, Scope, trackChild } = require('./lib/scope');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const NODES = arg('nodes', 10_000);
const STREAMING = Math.min(arg('streaming', 50), NODES);
const WS_CLIENTS = arg('ws-clients', 1000);
const RUNS = arg('runs', 10);
const WS_SECONDS = arg('ws-seconds', 30);
const A2S_SECONDS = arg('a2s-seconds', 20);
const EVENTS_PER_S = arg('events-per-s', 5);
const CHROMIUM = '/usr/bin/chromium';
const root = join(__dirname, '..');
const DIST = join(root, 'apps', 'dashboard', 'dist');

const GOALS = {
  overview_tti_p95_ms: 2000,
  filter_p95_ms: 300,
  node_detail_load_ms: 1500,
  agent_to_screen_p95_ms: 2000,
  ws_lag_p99_ms: 250,
};

const started = Date.now();
const log = (msg) =>
  process.stderr.write(`[dashboard ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fixed = (v, digits = 1) =>
  v === undefined || v === null || !Number.isFinite(v) ? null : Number(v.toFixed(digits));
/** Nearest-rank quantile; null for no observations. */
const quantile = (xs, q) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const ADMIN_PASSWORD = `bench-${randomBytes(12).toString('hex')}`;
const nodeId = (i) => `bench-node-${String(i).padStart(5, '0')}`;
const hostOf = (id) => `host-${id}`;
const labelsOf = (i) => ({ env: i % 3 === 0 ? 'prod' : 'staging', rack: `r${i % 40}` });
const bootId = `bench-${randomBytes(4).toString('hex')}`;

function heartbeat(bus, id, i, seq) {
  return heartbeatMessage(
    bus.topology,
    {
      nodeId: id,
      seq,
      sentAt: new Date().toISOString(),
      hostname: hostOf(id),
      agentVersion: 'bench',
      uptimeSeconds: 100 + seq,
      intervalMs: 1000,
      labels: labelsOf(i),
    },
    bootId,
  );
}

async function startService(scope, name, env, port) {
  const svc = trackChild(new ServiceProcess(name, env));
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

/** One heartbeat per node; resolves once registry-svc's read model lists `total`. */
async function registerNodes(bus, total) {
  const t0 = Date.now();
  for (let from = 0; from < NODES; from += 1000) {
    const acks = [];
    for (let i = from; i < Math.min(from + 1000, NODES); i++) {
      const m = heartbeat(bus, nodeId(i), i, 0);
      acks.push(bus.js.publish(m.subject, m.data, { msgID: m.msgId }));
    }
    await Promise.all(acks);
  }
  for (let last = -1; ;) {
    const page = await requestQuery(bus.nc, bus.topology, registryQueries.listNodes, { limit: 1, offset: 0 }, 10_000);
    if (page.total >= total) break;
    if (page.total !== last) log(`registered ${page.total} / ${total}`);
    last = page.total;
    await sleep(1000);
  }
  return Date.now() - t0;
}

/** The first `STREAMING` nodes, as agents: a heartbeat and a sample batch each second. */
function startStreaming(bus, problems) {
  let seq = 1;
  const tick = async () => {
    seq++;
    const now = Date.now();
    const pubs = [];
    for (let i = 0; i < STREAMING; i++) {
      const id = nodeId(i);
      const hb = heartbeat(bus, id, i, seq);
      const m = sampleBatchMessage(bus.topology, {
        nodeId: id,
        seq,
        timestamp: now,
        intervalMs: 1000,
        samples: [
          { name: 'node_cpu_usage_percent', labels: {}, value: 20 + (i % 50) + 10 * Math.sin(now / 5000) },
          { name: 'node_memory_used_ratio', labels: {}, value: 0.3 + (i % 5) / 10 },
          { name: 'node_filesystem_used_ratio', labels: { mount: '/' }, value: 0.4 },
          { name: 'node_network_receive_bytes_per_second', labels: { device: 'eth0' }, value: 1e6 * (1 + (i % 7)) },
        ],
      });
      pubs.push(bus.js.publish(hb.subject, hb.data, { msgID: hb.msgId }));
      pubs.push(bus.js.publish(m.subject, m.data, { msgID: m.msgId }));
    }
    await Promise.all(pubs);
  };
  const timer = setInterval(() => void tick().catch((e) => problems.push(`publish: ${e.message}`)), 1000);
  return () => clearInterval(timer);
}

/** The nodes the console's search `term` shows (host name or id contains it, case-insensitive). */
const searchCount = (term) => {
  let n = 0;
  for (let i = 0; i < NODES; i++) {
    const id = nodeId(i);
    if (id.includes(term) || hostOf(id).includes(term)) n++;
  }
  return n;
};

/** The frame where the overview's table lists `rows` nodes, drawn, with the search enabled: performance.now(). */
const tableShows = (rows) => {
  const t = document.querySelector('table.node-table');
  const q = document.getElementById('filter-q');
  if (!t || !q || q.disabled || t.getAttribute('aria-rowcount') !== String(rows + 1)) return false;
  if (rows > 0 && !t.querySelector('tbody .col-host a')) return false;
  return performance.now();
};

async function browserPhase(scope, base, result) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  scope.add('close chromium', () => browser.close());
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  // The first input or change event after each reset: when the reader's action reached the page.
  await context.addInitScript({
    content: `for (const t of ['input', 'change']) document.addEventListener(t, () => { window.__benchT0 ??= performance.now(); }, true);`,
  });
  const login = await context.request.post(`${base}/api/v1/auth/login`, {
    data: { username: 'admin', password: ADMIN_PASSWORD },
  });
  if (login.status() !== 200) throw new Error(`console login: ${login.status()} ${await login.text()}`);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const wait = (fn, argument, timeout = 120_000) =>
    page.waitForFunction(fn, argument, { polling: 'raf', timeout }).then((h) => h.jsonValue());

  log(`overview: ${RUNS} loads of / with ${NODES} nodes`);
  const tti = [];
  for (let r = 0; r < RUNS; r++) {
    await page.goto(`${base}/`, { waitUntil: 'commit' });
    tti.push(await wait(tableShows, NODES));
  }

  log(`filters: ${RUNS} (search and label in turn)`);
  const filters = { search: [], label: [] };
  for (let r = 0; r < RUNS; r++) {
    const search = r % 2 === 0;
    const k = (r * 37 + 11) % Math.max(1, Math.floor(NODES / 10));
    const term = `node-${String(k).padStart(4, '0')}`;
    const rack = `rack=r${(r * 7) % 40}`;
    const expected = search
      ? searchCount(term)
      : Array.from({ length: NODES }, (_, i) => i % 40 === (r * 7) % 40).filter(Boolean).length;
    await page.evaluate(() => {
      window.__benchT0 = undefined;
    });
    if (search) await page.locator('#filter-q').fill(term);
    else await page.locator('#filter-label').selectOption(rack);
    const shownAt = await wait(tableShows, expected, 30_000);
    const t0 = await page.evaluate(() => window.__benchT0);
    filters[search ? 'search' : 'label'].push(shownAt - t0);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await wait(tableShows, NODES, 30_000);
  }

  log(`node detail: ${RUNS} loads of /nodes/<id>?range=24h`);
  const detail = [];
  const detailFailures = []; // not all four charts drawn within 30 s
  const chartsShown = () => {
    const figs = [...document.querySelectorAll('figure.chart')];
    if (!document.querySelector('h1') || figs.length < 4) return false;
    if (!figs.every((f) => Number(f.getAttribute('data-points')) > 0 && f.querySelector('canvas'))) return false;
    return performance.now();
  };
  for (let r = 0; r < RUNS; r++) {
    await page.goto(`${base}/nodes/${nodeId(r % STREAMING)}?range=24h`, { waitUntil: 'commit' });
    const ms = await wait(chartsShown, undefined, 30_000).catch(() => undefined);
    if (ms === undefined) detailFailures.push(nodeId(r % STREAMING));
    else detail.push(ms);
  }

  log(`agent to screen: the CPU chart of ${nodeId(0)} for ${A2S_SECONDS} s`);
  await page.goto(`${base}/nodes/${nodeId(0)}?range=15m`);
  await wait(chartsShown, undefined, 60_000);
  await wait(() => document.querySelector('.live')?.textContent?.trim() === 'Live', undefined, 30_000).catch(() =>
    log('the header never said "Live"; measuring anyway'),
  );
  await page.evaluate(() => {
    const fig = document.querySelector('figure[aria-labelledby="chart-cpu-title"]');
    window.__benchA2s = [];
    new MutationObserver(() => {
      const last = Number(fig.getAttribute('data-last'));
      requestAnimationFrame(() => window.__benchA2s.push(Date.now() - last));
    }).observe(fig, { attributes: true, attributeFilter: ['data-last'] });
  });
  await sleep(A2S_SECONDS * 1000);
  const a2s = await page.evaluate(() => window.__benchA2s);
  await browser.close();

  const q = (xs, p) => fixed(quantile(xs, p), 1);
  const allFilters = [...filters.search, ...filters.label];
  Object.assign(result, {
    overview_tti_p95_ms: q(tti, 0.95),
    overview_tti_p50_ms: q(tti, 0.5),
    overview_tti_first_ms: fixed(tti[0], 1),
    filter_p95_ms: q(allFilters, 0.95),
    filter_search_p95_ms: q(filters.search, 0.95),
    filter_label_p95_ms: q(filters.label, 0.95),
    filter_p50_ms: q(allFilters, 0.5),
    node_detail_load_ms: q(detail, 0.95),
    node_detail_load_p50_ms: q(detail, 0.5),
    node_detail_not_loaded: detailFailures,
    agent_to_screen_p95_ms: q(a2s, 0.95),
    agent_to_screen_p50_ms: q(a2s, 0.5),
    agent_to_screen_points: a2s.length,
    page_errors: problems,
  });
}

/** Every page of the node list at 500 (as the console reads it), from this process: the reference. */
async function restListMs(base, token) {
  const t0 = performance.now();
  for (let offset = 0; ; offset += 500) {
    const r = await fetch(`${base}/api/v1/nodes?limit=500&offset=${offset}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const page = await r.json();
    if (offset + 500 >= page.total) break;
  }
  return performance.now() - t0;
}

/** One live client: resolves once its subscriptions are confirmed; `lags` receives each frame's lag. */
function openClient(wsUrl, token, samplesNodes, onFrame) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
    let pending = samplesNodes ? 2 : 1;
    const timer = setTimeout(() => reject(new Error('a live client was not subscribed within 60 s')), 60_000);
    ws.on('message', (data) => {
      const at = Date.now();
      const f = JSON.parse(data.toString());
      if (f.type === 'welcome') {
        ws.send(JSON.stringify({ op: 'subscribe', id: 'f', topic: 'fleet' }));
        if (samplesNodes)
          ws.send(
            JSON.stringify({
              op: 'subscribe',
              id: 's',
              topic: 'samples',
              nodes: samplesNodes,
              metrics: ['node_cpu_usage_percent'],
            }),
          );
      } else if (f.type === 'subscribed') {
        if (--pending === 0) {
          clearTimeout(timer);
          resolve(ws);
        }
      } else if (f.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`live error: ${f.code} ${f.message}`));
      } else onFrame(f, at);
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

async function wsPhase(scope, bus, base, token, gatewayPid, result) {
  const sampler = new RssSampler(() => [gatewayPid], 200);
  scope.add('stop sampling the gateway', () => sampler.stop());
  await sleep(1000);
  const rssBefore = sampler.peakMb(gatewayPid);
  sampler.reset();

  let measuring = false;
  const lag = { event: [], samples: [] };
  const bus_ = { event: [], samples: [] };
  const counts = { closed: 0 };
  const onFrame = (f, at) => {
    if (!measuring) return;
    if (f.type === 'event') lag.event.push(at - Date.parse(f.event.occurredAt));
    else if (f.type === 'samples') lag.samples.push(at - f.timestamp);
  };
  // The reference: this process's own NATS subscriptions on the same subjects.
  const subs = [
    bus.nc.subscribe(bus.topology.subjects.allEvents(), {
      callback: (_e, m) => {
        const at = Date.now();
        if (!measuring) return;
        try {
          const env = JSON.parse(Buffer.from(m.data).toString());
          if (typeof env.type === 'string' && env.type.startsWith('node.'))
            bus_.event.push(at - Date.parse(env.occurredAt));
        } catch {
          /* not an envelope */
        }
      },
    }),
  ];
  const sampleNodes = Array.from({ length: Math.min(STREAMING, 50) }, (_, i) => nodeId(i));
  subs.push(
    bus.nc.subscribe(bus.topology.subjects.samplesOfAnyNode(), {
      callback: (_e, m) => {
        const at = Date.now();
        try {
          if (measuring) bus_.samples.push(at - decodeSampleBatch(m.data).timestamp);
        } catch {
          /* not a batch */
        }
      },
    }),
  );
  scope.add('unsubscribe the reference', () => subs.forEach((s) => s.unsubscribe()));

  log(`opening ${WS_CLIENTS} live clients (one in ten also following samples of ${sampleNodes.length} nodes)`);
  const wsUrl = `${base.replace(/^http/, 'ws')}/ws`;
  const clients = [];
  scope.add('close the live clients', () => clients.forEach((c) => c.terminate()));
  const t0 = Date.now();
  for (let from = 0; from < WS_CLIENTS; from += 50) {
    const batch = [];
    for (let i = from; i < Math.min(from + 50, WS_CLIENTS); i++)
      batch.push(openClient(wsUrl, token, i % 10 === 0 ? sampleNodes : undefined, onFrame));
    clients.push(...(await Promise.all(batch)));
  }
  for (const c of clients) c.on('close', () => counts.closed++);
  const openS = (Date.now() - t0) / 1000;
  log(
    `${clients.length} clients subscribed in ${openS.toFixed(1)} s; ${WS_SECONDS} s of fleet events at ${EVENTS_PER_S}/s`,
  );

  // What the bench's own process adds to the lag it measures: its event loop's delay and its CPU.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpu0 = { gateway: await cpuSeconds(gatewayPid), bench: process.cpuUsage() };
  const phase0 = Date.now();
  measuring = true;
  let next = NODES;
  const newNodes = [];
  const eventTimer = setInterval(
    () => {
      const i = next++;
      const m = heartbeat(bus, `bench-new-${String(i).padStart(5, '0')}`, i, 0);
      newNodes.push(bus.js.publish(m.subject, m.data, { msgID: m.msgId }));
    },
    Math.max(1, Math.round(1000 / EVENTS_PER_S)),
  );
  await sleep(WS_SECONDS * 1000);
  clearInterval(eventTimer);
  await Promise.all(newNodes);
  await sleep(3000); // the last events' frames
  measuring = false;
  loopDelay.disable();
  const phaseS = (Date.now() - phase0) / 1000;
  const benchCpu = process.cpuUsage(cpu0.bench);
  const gatewayCpuS = (await cpuSeconds(gatewayPid)) - cpu0.gateway;
  await sampler.sample();
  const all = [...lag.event, ...lag.samples];
  const q = (xs, p) => fixed(quantile(xs, p), 1);
  Object.assign(result, {
    ws_clients: clients.length,
    ws_clients_following_samples: clients.filter((_, i) => i % 10 === 0).length,
    ws_open_s: fixed(openS, 1),
    ws_lag_p99_ms: q(all, 0.99),
    ws_lag_p50_ms: q(all, 0.5),
    ws_event_lag_p99_ms: q(lag.event, 0.99),
    ws_samples_lag_p99_ms: q(lag.samples, 0.99),
    ws_event_frames: lag.event.length,
    ws_samples_frames: lag.samples.length,
    ws_closed_during_phase: counts.closed,
    fleet_events_published: next - NODES,
    bus_event_lag_p99_ms: q(bus_.event, 0.99),
    bus_event_lag_p50_ms: q(bus_.event, 0.5),
    bus_events_seen: bus_.event.length,
    bus_samples_lag_p99_ms: q(bus_.samples, 0.99),
    bus_lag_p99_ms: q([...bus_.event, ...bus_.samples], 0.99),
    gateway_rss_mb: sampler.peakMb(gatewayPid),
    ws_phase_s: fixed(phaseS, 1),
    gateway_cpu_s_ws_phase: fixed(gatewayCpuS, 2),
    bench_cpu_s_ws_phase: fixed((benchCpu.user + benchCpu.system) / 1e6, 2),
    bench_event_loop_delay_p99_ms: fixed(loopDelay.percentile(99) / 1e6, 1),
    bench_event_loop_delay_max_ms: fixed(loopDelay.max / 1e6, 1),
    gateway_rss_before_ws_mb: rssBefore,
  });
  for (const c of clients) c.terminate();
  clients.length = 0;
}

async function main() {
  installSignalHandlers();
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  const scope = new Scope('dashboard');
  const result = {
    bench: 'dashboard',
    cores: cpus().length,
    loadavg_1m_at_start: fixed(loadavg()[0], 2),
    nodes: NODES,
    streaming_nodes: STREAMING,
    runs: RUNS,
  };
  try {
    log('building the console (vite)');
    const build = spawnSync('npm', ['run', 'build:console'], { cwd: root, stdio: ['ignore', 2, 2] });
    if (build.status !== 0) throw new Error('npm run build:console failed');
    const bundle = measureBundle(DIST);
    result.initial_js_kb_gz = fixed(bundle.gzipBytes / 1024, 1);
    result.initial_js_budget_kb_gz = fixed(bundle.budgetBytes / 1024, 0);

    const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const bus = await openBus(scope, { prefix: `bdb${id}`, partitions: 16, name: 'vigil-bench-dashboard' });
    const db = await createDatabase(scope, `vigil_bench_dashboard_${id}`);
    const redisPrefix = `vigil-bench-dashboard-${id}:`;
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
    await startService(
      scope,
      'registry-svc',
      {
        ...common,
        VIGIL_REGISTRY_PORT: String(registryPort),
        VIGIL_OFFLINE_TIMEOUT_MS: '3600000',
        // The default cap (10,000 unenrolled nodes) would refuse the nodes registering in the live phase.
        VIGIL_MAX_UNENROLLED_NODES: String(NODES + 100_000),
      },
      registryPort,
    );
    const metricsPort = await freePort();
    await startService(scope, 'metrics-svc', { ...common, VIGIL_METRICS_PORT: String(metricsPort) }, metricsPort);
    log(`registering ${NODES} nodes (one heartbeat each)`);
    const registerMs = await registerNodes(bus, NODES);
    result.register_s = fixed(registerMs / 1000, 1);
    log(`registered in ${result.register_s} s; ${STREAMING} of them stream from now on`);
    const publishProblems = [];
    const stopStreaming = startStreaming(bus, publishProblems);
    scope.add('stop the streaming fleet', stopStreaming);

    const gatewayPort = await freePort();
    const gateway = await startService(
      scope,
      'gateway',
      {
        ...common,
        VIGIL_GATEWAY_PORT: String(gatewayPort),
        VIGIL_AUTH_SECRET: randomBytes(32).toString('hex'),
        VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
        VIGIL_AUTH_ACCESS_TTL_S: '3600',
        VIGIL_AUTH_LOGIN_PER_MINUTE: '10000',
        // Every page, request and socket of the bench comes from 127.0.0.1 as one admin.
        VIGIL_RATE_LIMIT_PER_IP: '1000000',
        VIGIL_RATE_LIMIT_PER_PRINCIPAL: '1000000',
        VIGIL_LIVE_MAX_SOCKETS: String(Math.max(10_000, WS_CLIENTS + 100)),
        VIGIL_LIVE_MAX_SOCKETS_PER_PRINCIPAL: String(Math.min(10_000, WS_CLIENTS + 100)),
      },
      gatewayPort,
    );
    const base = `http://127.0.0.1:${gatewayPort}`;
    let token;
    for (let attempt = 0; !token; attempt++) {
      const r = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      if (r.status === 200) token = (await r.json()).accessToken;
      else if (attempt > 20) throw new Error(`login: ${r.status} ${await r.text()}`);
      else await sleep(500);
    }
    await sleep(3000); // a few seconds of samples for the charts
    const rest = [];
    for (let r = 0; r < Math.min(RUNS, 5); r++) rest.push(await restListMs(base, token));
    result.rest_list_all_p50_ms = fixed(quantile(rest, 0.5), 1);

    await browserPhase(scope, base, result);
    await wsPhase(scope, bus, base, token, gateway.pid, result);
    stopStreaming();
    result.publish_problems = publishProblems.slice(0, 5);
    result.goals = GOALS;
    result.met = Object.fromEntries(
      Object.entries(GOALS).map(([k, goal]) => [
        k,
        result[k] === null || result[k] === undefined ? null : result[k] < goal,
      ]),
    );
    result.loadavg_1m_at_end = fixed(loadavg()[0], 2);
    for (const k of Object.keys(GOALS))
      log(`${k} ${result[k]} (goal < ${GOALS[k]}: ${result.met[k] ? 'met' : 'NOT met'})`);
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
