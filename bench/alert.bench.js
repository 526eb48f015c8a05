/**
 * How soon an alert reaches its receiver once its `for` window has closed: alert-svc against
 * Debian's Prometheus + Alertmanager on the same scenario, in the same run. bench/README.md
 * explains the method, the definitions, the output and what limits it.
 *
 *   npm run bench -- alert [--nodes 200] [--alerts 100] [--for 10s] [--spread 30]
 *     [--stock-alerts 30] [--stock-minutes 5] [--skip-prometheus] [--partitions 16]
 *     [--warmup 10] [--timeout 15]
 *
 * A fleet of --nodes streams 1 Hz sample batches (bench/lib/alert-fleet.js); --alerts of its
 * nodes step `bench_value` above 50 at instants spread over --spread seconds. One rule,
 * `bench_value > 50` held --for, is created through alert-svc's rules API; its webhook
 * receiver (VIGIL_ALERT_NOTIFY_CONFIG) posts to a server in this process. Latency: webhook
 * arrival - the instant the window closed (crossing sample's timestamp + for). The same
 * scenario goes through Prometheus + Alertmanager scraping an exporter that serves the same
 * values: tuned (1 s scrape and evaluation, group_wait 0 s) after Vigil, and stock (1 min
 * scrape and evaluation, group_wait 30 s, --stock-alerts nodes) for --stock-minutes alongside
 * both, being idle nearly all the time.
 *
 * Progress goes to stderr; the last line of stdout is one JSON object. Whatever happens (error,
 * SIGINT, SIGTERM), the bench stops what it started, drops its database, deletes its streams
 * and Redis keys and removes its temporary directories.
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync } = require('node:fs');
const { mkdtemp, rm, writeFile } = require('node:fs/promises');
const { cpus, loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');
const { createInterface } = require('node:readline');
const { parseArgs } = require('node:util');
const { alertEvents, durationMs, NotifyConfig, ruleOperations } = require('@vigil/contracts');
const { requestQuery } = require('@vigil/messaging');
const { freePort, repoRoot, ServiceProcess, testUrls } = require('@vigil/test-support');
const { BENCH_METRIC, THRESHOLD, planCrossings } = require('./lib/alert-plan');
const { clock, startReceiver } = require('./lib/alert-receiver');
const { nodeId } = require('./lib/fleet50');
const { cpuSeconds } = require('./lib/proc');
const { histogramOf, quantile: histogramQuantile, scrape, sumOf } = require('./lib/prom');
const {
  ALERT_NAME,
  ALERTMANAGER_BINARY,
  assertPrometheusInstalled,
  PROMETHEUS_BINARY,
  startPrometheusStack,
  versionOf,
} = require('./lib/prometheus-stack');
const { createDatabase, openBus, registerRedisCleanup } = require('./lib/infra');
const { closeAll, installSignalHandlers, Scope, trackChild } = require('./lib/scope');

const { values: opts } = parseArgs({
  options: {
    nodes: { type: 'string', default: '200' },
    alerts: { type: 'string', default: '100' },
    for: { type: 'string', default: '10s' },
    spread: { type: 'string', default: '30' },
    'stock-alerts': { type: 'string', default: '30' },
    'stock-minutes': { type: 'string', default: '5' },
    'skip-prometheus': { type: 'boolean', default: false },
    partitions: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '10' },
    timeout: { type: 'string', default: '15' },
  },
  strict: true,
});
const num = (name, min, integer = true) => {
  const v = Number(opts[name]);
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v)))
    throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} of at least ${min}, got "${opts[name]}"`);
  return v;
};
const NODES = num('nodes', 1);
const ALERTS = num('alerts', 1);
const FOR_MS = durationMs(opts.for);
if (FOR_MS === undefined || FOR_MS < 1000)
  throw new Error(`--for must be a duration of at least 1s (e.g. 10s), got "${opts.for}"`);
const SPREAD_MS = num('spread', 0, false) * 1000;
const STOCK_ALERTS = Math.min(num('stock-alerts', 1), NODES);
const STOCK_TOTAL_MS = num('stock-minutes', 1, false) * 60_000;
const SKIP_PROMETHEUS = opts['skip-prometheus'];
const PARTITIONS = num('partitions', 1);
const WARMUP_MS = num('warmup', 2, false) * 1000;
const TIMEOUT_MS = num('timeout', 1, false) * 1000;
if (ALERTS > NODES) throw new Error(`--alerts (${ALERTS}) cannot exceed --nodes (${NODES})`);

/** The Prometheus set-ups compared: Debian's defaults with the usual 1 min intervals, and tuned for latency. */
const STOCK = { name: 'stock', scrapeMs: 60_000, evalMs: 60_000, groupWaitMs: 30_000, groupIntervalMs: 300_000 };
const TUNED = { name: 'tuned', scrapeMs: 1000, evalMs: 1000, groupWaitMs: 0, groupIntervalMs: 300_000 };
/**
 * The latest a Prometheus alert can arrive after its window closes: the next scrape and the
 * next evaluation after it (where `for` starts), the first evaluation at or after `for` has
 * passed (up to one interval late), group_wait; plus a margin for the webhook and a busy machine.
 */
const worstLatencyMs = (c) => c.scrapeMs + 2 * c.evalMs + c.groupWaitMs + 20_000;
/**
 * Stock crossings are spread over one scrape interval (so they fall at every phase of the
 * scrape and evaluation cycles), shortened if --stock-minutes leaves no room for the worst case.
 */
const STOCK_SPREAD_MS = Math.max(0, Math.min(STOCK.scrapeMs, STOCK_TOTAL_MS - FOR_MS - worstLatencyMs(STOCK)));
const LINGER_MS = 3000; // after the last expected arrival: time for a duplicate to show

const ALERT_MAIN = join(repoRoot, 'apps', 'alert-svc', 'dist', 'main.js');
const started = Date.now();
const log = (msg) =>
  process.stderr.write(`[alert ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fixed = (v, digits) => (v === undefined || v === null || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));
const runId = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** The q-quantile by nearest rank (the smallest value with at least q of them at or below it). */
function quantile(q, xs) {
  if (!xs.length) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Latencies of the first arrival per node from its window's close (`closes`: node id → ms);
 * a later arrival for the same node is a duplicate, one for a node that should not alert or
 * before its window closed is unexpected / early.
 */
function latencyStats(closes, arrivalsByNode) {
  const latencies = [];
  let duplicates = 0;
  let unexpected = 0;
  let early = 0;
  for (const [node, times] of arrivalsByNode) {
    const close = closes.get(node);
    if (close === undefined) {
      unexpected += times.length;
      continue;
    }
    const first = Math.min(...times);
    if (first < close) early++;
    latencies.push(first - close);
    duplicates += times.length - 1;
  }
  return {
    expected: closes.size,
    delivered: latencies.length,
    missing: [...closes.keys()].filter((n) => !arrivalsByNode.has(n)),
    p50: quantile(0.5, latencies),
    p99: quantile(0.99, latencies),
    max: latencies.length ? Math.max(...latencies) : undefined,
    duplicates,
    unexpected,
    early,
  };
}

const seconds = (ms) => fixed(ms === undefined ? undefined : ms / 1000, 3);

// ---------------------------------------------------------------------------------------------
// Vigil: alert-svc, the rule, the fleet

/** The notification config alert-svc gets: every alert its own group, sent at once, to the bench's webhook. */
function notifyConfig(url) {
  const config = {
    receivers: { bench: { type: 'webhook', url } },
    route: { receiver: 'bench', groupBy: ['alertname', 'node'], groupWait: '0s' },
  };
  const checked = NotifyConfig.safeParse(config);
  if (!checked.success)
    throw new Error(`the bench's notification config is not a valid NotifyConfig: ${checked.error.message}`);
  return config;
}

const benchRule = {
  id: 'bench-value-high',
  name: ALERT_NAME,
  kind: 'threshold',
  severity: 'warning',
  metric: BENCH_METRIC,
  op: '>',
  value: THRESHOLD,
  for: FOR_MS,
  annotations: { summary: '{{ $node }}: bench_value {{ $value }}' },
};

/** The fleet child (bench/lib/alert-fleet.js), given its plan; collects its reports. */
function startFleet(scope, topology, crossings) {
  const child = trackChild(
    spawn(process.execPath, [join(__dirname, 'lib', 'alert-fleet.js')], {
      env: {
        ...process.env,
        NATS_URL: testUrls.nats,
        VIGIL_NATS_PREFIX: topology.prefix,
        VIGIL_PARTITIONS: String(topology.partitions),
        BENCH_NODES: String(NODES),
        BENCH_FOR_MS: String(FOR_MS),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const fleet = { child, crosses: new Map(), closes: new Map(), stats: [], started: undefined };
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    let r;
    try {
      r = JSON.parse(line);
    } catch {
      process.stderr.write(`[fleet] ${line}\n`);
      return;
    }
    if (r.type === 'cross') fleet.crosses.set(nodeId(r.index), r);
    else if (r.type === 'close') fleet.closes.set(nodeId(r.index), r);
    else if (r.type === 'stats') fleet.stats.push(r);
    else if (r.type === 'started') fleet.started = r;
  });
  child.stderr.on('data', (c) => process.stderr.write(`[fleet] ${c}`));
  child.stdin.write(`${JSON.stringify({ crossings: [...crossings] })}\n`);
  fleet.stop = async () => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  fleet.assertRunning = () => {
    if (child.exitCode !== null) throw new Error(`the fleet exited with ${child.exitCode}`);
  };
  scope.add('stop the fleet', () => fleet.stop());
  return fleet;
}

async function vigilScenario(receiver) {
  const scope = new Scope('vigil');
  try {
    if (!existsSync(ALERT_MAIN)) throw new Error(`${ALERT_MAIN} is missing: build first (npm run bench builds)`);
    const id = runId();
    const bus = await openBus(scope, { prefix: `balert${id}`, partitions: PARTITIONS, name: 'vigil-bench-alert' });
    const db = await createDatabase(scope, `vigil_bench_alert_${id}`);
    const redisPrefix = `vigil-bench-alert-${id}:`;
    registerRedisCleanup(scope, redisPrefix);
    const dir = await mkdtemp(join(tmpdir(), 'vigil-alert-bench-vigil-'));
    scope.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const configPath = join(dir, 'notify.json');
    await writeFile(configPath, JSON.stringify(notifyConfig(receiver.url('/vigil')), null, 2));

    // The alert events as alert-svc appends them (a core subscription sees each publish to the stream).
    const events = [];
    const sub = bus.nc.subscribe(bus.topology.subjects.eventsOf('alert'), {
      callback: (err, m) => {
        if (err) return;
        const at = clock();
        try {
          events.push({ at, event: alertEvents.read(m.json()) });
        } catch (e) {
          log(`unreadable alert event on ${m.subject}: ${e.message}`);
        }
      },
    });
    scope.add('unsubscribe from alert events', () => sub.unsubscribe());

    const port = await freePort();
    const env = {
      NATS_URL: testUrls.nats,
      DATABASE_URL: db.url,
      REDIS_URL: testUrls.redis,
      VIGIL_NATS_PREFIX: bus.topology.prefix,
      VIGIL_REDIS_PREFIX: redisPrefix,
      VIGIL_PARTITIONS: String(bus.topology.partitions),
      VIGIL_ALERT_PORT: String(port),
      VIGIL_ALERT_DEFAULT_RULES: 'false',
      VIGIL_ALERT_NOTIFY_CONFIG: configPath,
      LOG_LEVEL: 'info',
    };
    const nodeArgs = (process.env.VIGIL_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const svc = trackChild(new ServiceProcess('alert-svc', env, undefined, nodeArgs));
    scope.add('stop alert-svc', async () => {
      const code = await svc.stop();
      if (code !== 0 && code !== null)
        log(`alert-svc exited with ${code}; log tail:\n${svc.lines.slice(-15).join('\n')}`);
    });
    log(`starting alert-svc (prefix ${bus.topology.prefix}, database ${db.name})`);
    svc.start();
    await svc.waitHttpOk(`http://127.0.0.1:${port}/health/ready`, 120_000);
    // Evaluation reads only samples published after it started: wait until it has.
    for (const deadline = Date.now() + 30_000; !svc.lines.some((l) => l.includes('alert evaluation active'));) {
      if (Date.now() > deadline)
        throw new Error(`alert-svc did not start evaluating within 30 s:\n${svc.lines.slice(-20).join('\n')}`);
      await sleep(100);
    }
    const applied = await requestQuery(
      bus.nc,
      bus.topology,
      ruleOperations.apply,
      { rules: [benchRule], actor: 'bench:alert' },
      15_000,
    );
    log(
      `rule ${benchRule.id}: ${applied.changes.map((c) => c.change).join(', ')} (${BENCH_METRIC} > ${THRESHOLD} for ${opts.for})`,
    );

    const startAt = Date.now() + WARMUP_MS;
    const crossings = planCrossings({ nodes: NODES, alerts: ALERTS, startAt, spreadMs: SPREAD_MS });
    const lastClose = Math.max(...crossings.values()) + FOR_MS;
    log(
      `fleet: ${NODES} nodes at 1 Hz; ${ALERTS} cross over ${SPREAD_MS / 1000} s from ${WARMUP_MS / 1000} s on; last window closes in ${((lastClose - Date.now()) / 1000).toFixed(0)} s`,
    );
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    await scrape(metricsUrl); // the event-loop lag gauges cover the time since the last scrape: from here
    const cpuBefore = await cpuSeconds(svc.pid);
    const cpuFrom = Date.now();
    const fleet = startFleet(scope, bus.topology, crossings);
    const arrivals = receiver.arrivals('/vigil');
    const firingNodes = () =>
      new Set(events.filter((e) => e.event.type === 'alert.firing').map((e) => e.event.data.labels.node)).size;
    const deadline = lastClose + TIMEOUT_MS;
    let allAt;
    for (;;) {
      if (!svc.running()) throw new Error(`alert-svc exited:\n${svc.lines.slice(-30).join('\n')}`);
      fleet.assertRunning();
      const now = Date.now();
      if (now > lastClose && arrivals.count() >= ALERTS && firingNodes() >= ALERTS) allAt ??= now;
      if ((allAt !== undefined && now > allAt + LINGER_MS) || now > deadline) break;
      await sleep(100);
    }
    const cpuCores = ((await cpuSeconds(svc.pid)) - cpuBefore) / ((Date.now() - cpuFrom) / 1000);
    const page = await scrape(metricsUrl);
    await fleet.stop();

    const closes = new Map([...fleet.crosses].map(([node, r]) => [node, r.ts + FOR_MS]));
    if (closes.size !== ALERTS) throw new Error(`the fleet reported ${closes.size} crossings of ${ALERTS}`);
    const webhook = latencyStats(closes, arrivals.firing);
    const firingByNode = new Map();
    const firedAtLate = [];
    for (const { at, event } of events) {
      if (event.type !== 'alert.firing') continue;
      const node = event.data.labels.node;
      // alert-svc's own lateness: when it says the alert fired, against the window's close.
      if (closes.has(node) && !firingByNode.has(node))
        firedAtLate.push(Date.parse(event.data.firedAt) - closes.get(node));
      firingByNode.set(node, [...(firingByNode.get(node) ?? []), at]);
    }
    const firing = latencyStats(closes, firingByNode);
    const closeLate = [...fleet.closes.values()].map((r) => r.sentAt - r.ts);
    const stats = fleet.stats.at(-1) ?? {};
    const result = {
      alerts: webhook.delivered,
      alerts_expected: ALERTS,
      latency_p50_s: seconds(webhook.p50),
      latency_p99_s: seconds(webhook.p99),
      latency_max_s: seconds(webhook.max),
      duplicates: webhook.duplicates,
      unexpected: webhook.unexpected,
      early: webhook.early,
      webhook_requests: arrivals.requests,
      firing_events: firing.delivered,
      firing_event_p50_s: seconds(firing.p50),
      firing_event_p99_s: seconds(firing.p99),
      firing_event_max_s: seconds(firing.max),
      firing_event_duplicates: firing.duplicates,
      firing_event_unexpected: firing.unexpected,
      fired_at_late_p99_ms: fixed(quantile(0.99, firedAtLate), 0),
      pending_events: events.filter((e) => e.event.type === 'alert.pending').length,
      close_sample_late_p99_ms: fixed(quantile(0.99, closeLate), 0),
      fleet_batches_acked: stats.acked ?? 0,
      fleet_publish_failures: fleet.stats.reduce((n, s) => Math.max(n, s.failed), 0),
      fleet_late_p99_ms: fleet.stats.reduce((n, s) => Math.max(n, s.late_p99_ms), 0),
      alert_svc_cpu_cores: fixed(cpuCores, 3),
      // The pipeline's own view, from alert-svc's /metrics over the scenario (histogram buckets: coarse).
      alert_svc_dispatch_delay_p99_s: fixed(
        histogramQuantile(0.99, histogramOf(page, 'vigil_notification_dispatch_delay_seconds')),
        3,
      ),
      alert_svc_attempt_p99_s: fixed(
        histogramQuantile(0.99, histogramOf(page, 'vigil_notification_attempt_duration_seconds')),
        3,
      ),
      alert_svc_attempts: Object.fromEntries(
        page.filter((x) => x.name === 'vigil_notification_attempts_total').map((x) => [x.labels.result, x.value]),
      ),
      // prom-client samples the lag with a 100 ms timer: an idle event loop reads ~0.1 s.
      alert_svc_eventloop_lag_p99_s: fixed(sumOf(page, 'nodejs_eventloop_lag_p99_seconds'), 3),
      alert_svc_eventloop_lag_max_s: fixed(sumOf(page, 'nodejs_eventloop_lag_max_seconds'), 3),
    };
    if (webhook.delivered === 0) {
      result.vigil_note = `no webhook arrived within ${TIMEOUT_MS / 1000} s of the last window closing (${firing.delivered} alert.firing events seen): does this alert-svc send notifications from VIGIL_ALERT_NOTIFY_CONFIG?`;
    } else if (webhook.missing.length) {
      result.vigil_missing = webhook.missing.slice(0, 10);
    }
    log(
      `vigil: ${webhook.delivered}/${ALERTS} webhooks, p50 ${result.latency_p50_s} s p99 ${result.latency_p99_s} s (${webhook.duplicates} duplicates); ` +
        `alert.firing events ${firing.delivered}/${ALERTS}, p50 ${result.firing_event_p50_s} s p99 ${result.firing_event_p99_s} s`,
    );
    return result;
  } finally {
    await scope.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Prometheus + Alertmanager

/**
 * One Prometheus set-up on the scenario: `alerts` nodes crossing over `spreadMs` from a few
 * seconds after the stack is ready, then waiting until every alert has arrived (and
 * LINGER_MS more) or `deadlineAfterStartMs` has passed.
 */
async function prometheusScenario(
  receiver,
  setup,
  { alerts, spreadMs, deadlineAfterStartMs },
  onReady = () => undefined,
) {
  const scope = new Scope(setup.name);
  try {
    const crossings = new Map(); // filled once the stack is up; the exporter reads it live
    const path = `/${setup.name}`;
    const stack = await startPrometheusStack(scope, {
      ...setup,
      nodes: NODES,
      crossings,
      forMs: FOR_MS,
      webhookUrl: receiver.url(path),
    });
    onReady();
    const startAt = Date.now() + 5000;
    for (const [index, ts] of planCrossings({ nodes: NODES, alerts, startAt, spreadMs })) crossings.set(index, ts);
    const closes = new Map([...crossings].map(([index, ts]) => [nodeId(index), ts + FOR_MS]));
    const lastClose = Math.max(...closes.values());
    const deadline = startAt + deadlineAfterStartMs;
    log(
      `prometheus ${setup.name} (scrape ${setup.scrapeMs / 1000} s, evaluation ${setup.evalMs / 1000} s, group_wait ${setup.groupWaitMs / 1000} s): ` +
        `${alerts} of ${NODES} nodes cross over ${spreadMs / 1000} s; waiting at most ${((deadline - Date.now()) / 1000).toFixed(0)} s`,
    );
    const arrivals = receiver.arrivals(path);
    let allAt;
    for (;;) {
      stack.assertRunning();
      const now = Date.now();
      if (now > lastClose && arrivals.count() >= alerts) allAt ??= now;
      if ((allAt !== undefined && now > allAt + LINGER_MS) || now > deadline) break;
      await sleep(200);
    }
    const s = latencyStats(closes, arrivals.firing);
    const key = `prometheus_${setup.name}`;
    log(
      `prometheus ${setup.name}: ${s.delivered}/${alerts} alerts, p50 ${seconds(s.p50)} s p99 ${seconds(s.p99)} s max ${seconds(s.max)} s (${s.duplicates} duplicates, ${stack.exporter.scrapes} scrapes)`,
    );
    return {
      [`${key}_p50_s`]: seconds(s.p50),
      [`${key}_p99_s`]: seconds(s.p99),
      [`${key}_max_s`]: seconds(s.max),
      [`${key}_alerts`]: s.delivered,
      [`${key}_alerts_expected`]: alerts,
      [`${key}_duplicates`]: s.duplicates,
      [`${key}_unexpected`]: s.unexpected + s.early,
      [`${key}_spread_s`]: spreadMs / 1000,
      [`${key}_scrapes`]: stack.exporter.scrapes,
      // Alerts still missing at the deadline make the quantiles those of the ones that came.
      ...(s.missing.length ? { [`${key}_censored`]: true } : {}),
    };
  } finally {
    await scope.close();
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  installSignalHandlers();
  const result = {
    bench: 'alert',
    cores: cpus().length,
    loadavg_1m_at_start: Number(loadavg()[0].toFixed(2)),
    nodes: NODES,
    for_s: FOR_MS / 1000,
    spread_s: SPREAD_MS / 1000,
  };
  if (!SKIP_PROMETHEUS) {
    assertPrometheusInstalled();
    Object.assign(result, {
      prometheus_version: versionOf(PROMETHEUS_BINARY),
      alertmanager_version: versionOf(ALERTMANAGER_BINARY),
    });
  }
  const scope = new Scope('alert');
  try {
    const receiver = await startReceiver(await freePort());
    scope.add('stop the webhook receiver', () => receiver.close());
    // Stock runs for minutes at one scrape a minute: beside the others, it is idle but for a few milliseconds a minute.
    let stock;
    if (!SKIP_PROMETHEUS) {
      let ready;
      const stockReady = new Promise((resolve) => (ready = resolve));
      stock = prometheusScenario(
        receiver,
        STOCK,
        { alerts: STOCK_ALERTS, spreadMs: STOCK_SPREAD_MS, deadlineAfterStartMs: STOCK_TOTAL_MS },
        ready,
      );
      stock.catch(() => undefined); // awaited below; an early failure must not go unhandled meanwhile
      await Promise.race([stockReady, stock]); // its start-up (TSDB, WAL) out of the way of alert-svc's
    }
    Object.assign(result, await vigilScenario(receiver));
    if (!SKIP_PROMETHEUS) {
      Object.assign(
        result,
        await prometheusScenario(receiver, TUNED, {
          alerts: ALERTS,
          spreadMs: SPREAD_MS,
          deadlineAfterStartMs: SPREAD_MS + FOR_MS + worstLatencyMs(TUNED),
        }),
      );
      log('waiting for the stock Prometheus to finish');
      Object.assign(result, await stock);
    }
  } finally {
    await scope.close();
  }
  result.loadavg_1m_at_end = Number(loadavg()[0].toFixed(2));
  console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  async (e) => {
    console.error(e);
    await closeAll(); // a signal may have started the clean-up: let it finish
    process.exit(1);
  },
);
