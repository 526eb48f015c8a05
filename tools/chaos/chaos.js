'use strict';
/**
 * The chaos run (`npm run chaos`, e2e/chaos.e2e.spec.ts, `npm run bench -- soak`): a private,
 * isolated Vigil — its own nats-server with JetStream and authorization, Postgres cluster and
 * redis-server, each in a temporary folder on a free port, and every service started from its
 * build (dist) — while a ledgered fleet streams (tools/chaos/fleet.js). A driver kills (SIGKILL),
 * pauses (SIGSTOP past the lease, then SIGCONT) and restarts each service in turn, and restarts
 * nats-server, Postgres and Redis; after each step it waits until every service reports ready by
 * itself. At the end the ledger is compared with the rollups, the registry (through the gateway),
 * the alert history and the test's webhook receiver (tools/chaos/ledger.js).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { connect } = require('@nats-io/transport-node');
const { Client } = require('pg');
const { createTopology, natsInboxPrefix, ruleOperations } = require('@vigil/contracts');
const { requestQuery } = require('@vigil/messaging');
const {
  AuthNatsServer,
  freePort,
  loginToGateway,
  ServiceProcess,
  TEST_STREAM_LIMITS,
  testGatewayAuth,
} = require('@vigil/test-support');
const { LedgerFleet } = require('./fleet');
const {
  Ledger,
  compareAlerts,
  compareNotifications,
  compareRegistry,
  compareSamples,
  failures,
  seriesKey,
} = require('./ledger');
const { PrivatePostgres, PrivateRedis } = require('./servers');
const { WebhookReceiver } = require('./webhook');

/**
 * The processes: metrics-svc and alert-svc run two replicas each, so a replica paused past its
 * lease is replaced by the other while it sleeps, and must not write when it wakes (fencing).
 */
const SERVICES = [
  { name: 'registry-svc', app: 'registry-svc', portVar: 'VIGIL_REGISTRY_PORT' },
  { name: 'metrics-svc-a', app: 'metrics-svc', portVar: 'VIGIL_METRICS_PORT' },
  { name: 'metrics-svc-b', app: 'metrics-svc', portVar: 'VIGIL_METRICS_PORT' },
  { name: 'alert-svc-a', app: 'alert-svc', portVar: 'VIGIL_ALERT_PORT' },
  { name: 'alert-svc-b', app: 'alert-svc', portVar: 'VIGIL_ALERT_PORT' },
  { name: 'gateway', app: 'gateway', portVar: 'VIGIL_GATEWAY_PORT' },
  { name: 'backup-svc', app: 'backup-svc', portVar: 'VIGIL_BACKUP_PORT' },
];

/** The short profile CI runs; `minutes` repeats the whole cycle until that much time has passed. */
const DEFAULTS = {
  nodes: 30,
  hot: 4,
  partitions: 4,
  leaseMs: 3000,
  /** Pause/outage lengths and the calm between two steps. */
  outageMs: 2500,
  calmMs: 1000,
  readyTimeoutMs: 60_000,
  settleTimeoutMs: 90_000,
  /** How long the fleet may take to publish what it queued during the last outage. */
  drainTimeoutMs: 60_000,
  minutes: 0,
  heartbeatMs: 1000,
  /** Every step of the cycle, in order (a subset for a shorter run). */
  steps: undefined,
  bucketed: true,
  /** Stream limits over the tests' (TEST_STREAM_LIMITS with a 10-min duplicate window). */
  streamLimits: undefined,
  /** nats-server's monitoring port (and its profiler on the next one), for diagnosis; none by default. */
  natsMonitorPort: undefined,
  log: (line) => process.stderr.write(`[chaos] ${line}\n`),
};

const HOT_RULE = {
  id: 'chaos-high-cpu',
  name: 'ChaosHighCPU',
  kind: 'threshold',
  severity: 'warning',
  metric: 'node_cpu_usage_percent',
  matchers: [{ label: 'cpu', op: '=', value: '' }],
  op: '>',
  value: 90,
  for: 2000,
};
/** The second rule change: a rule that never fires (chaos_ticks stays below 1000). */
const TICKS_RULE = {
  id: 'chaos-ticks',
  name: 'ChaosTicks',
  kind: 'threshold',
  severity: 'info',
  metric: 'chaos_ticks',
  matchers: [],
  op: '>',
  value: 100_000,
  for: 0,
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Platforms running now, for `stopAll()` on SIGINT/SIGTERM (Postgres outlives us otherwise: pg_ctl detaches it). */
const running = new Set();

/**
 * The steps of the CI run (e2e/chaos.e2e.spec.ts), bounded to a few minutes on two cores: one
 * replica of each service killed, and the replica that took over its leases paused past them.
 */
function ciSteps() {
  const all = cycleSteps();
  const skip = new Set(['kill metrics-svc-b', 'kill alert-svc-b', 'pause metrics-svc-a', 'pause alert-svc-a']);
  return all.filter((s) => s.service || !skip.has(`${s.kind} ${s.target}`));
}

/**
 * Every step of one chaos cycle: kill each process, pause each, restart each dependency, then
 * start a process while a dependency is down (it must wait, not-ready, and resume by itself).
 */
function cycleSteps() {
  return [
    ...SERVICES.map((s) => ({ kind: 'kill', target: s.name })),
    ...SERVICES.map((s) => ({ kind: 'pause', target: s.name })),
    { kind: 'restart', target: 'nats' },
    { kind: 'restart', target: 'postgres' },
    { kind: 'restart', target: 'redis' },
    { kind: 'cold-start', target: 'postgres', service: 'metrics-svc-a' },
    { kind: 'cold-start', target: 'nats', service: 'alert-svc-a' },
    { kind: 'cold-start', target: 'redis', service: 'registry-svc' },
  ];
}

class ChaosPlatform {
  constructor(options) {
    this.o = options;
    this.log = options.log;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-chaos-'));
    this.topology = createTopology('chaos', options.partitions);
    this.services = new Map();
    this.ports = {};
    this.webhook = new WebhookReceiver();
    /** What happened to each service: exits nobody asked for, readiness during outages. */
    this.observations = { unexpectedExits: [], readyDuringOutage: [], recovery: [], coldStarts: [] };
    running.add(this);
  }

  async start() {
    const o = this.o;
    this.log(`private servers in ${this.dir}`);
    this.nats = new AuthNatsServer(this.topology, o.natsMonitorPort ? { monitorPort: o.natsMonitorPort } : {});
    await this.nats.start();
    await this.nats.provision({ ...TEST_STREAM_LIMITS, duplicateWindowMs: 10 * 60_000, ...o.streamLimits });
    this.postgres = new PrivatePostgres(path.join(this.dir, 'pg'), await freePort());
    await this.postgres.init();
    this.redis = new PrivateRedis(path.join(this.dir, 'redis'), await freePort());
    await this.redis.start();
    this.log(`nats ${this.nats.port}, postgres ${this.postgres.port}, redis ${this.redis.port}`);
    await this.webhook.start();
    const notifyFile = path.join(this.dir, 'notify.json');
    fs.writeFileSync(
      notifyFile,
      JSON.stringify({
        receivers: { ledger: { type: 'webhook', url: this.webhook.url } },
        route: {
          receiver: 'ledger',
          groupBy: ['alertname', 'node'],
          groupWait: '0s',
          groupInterval: '1s',
          repeatInterval: '4h',
        },
      }),
    );
    for (const s of SERVICES) this.ports[s.name] = await freePort();
    const extra = {
      // Offline only well after the fleet stops: the comparison reads the registry after the rollups settle.
      'registry-svc': { VIGIL_PRESENCE_SWEEP_MS: '1000', VIGIL_OFFLINE_TIMEOUT_MS: '120000' },
      'metrics-svc': {
        VIGIL_METRICS_FLUSH_MS: '500',
        VIGIL_METRICS_GRACE_MS: '1000',
        VIGIL_METRICS_ROLLUP_MS: '2000',
        VIGIL_METRICS_LEASE_MS: String(o.leaseMs),
      },
      'alert-svc': {
        VIGIL_ALERT_LEASE_MS: String(o.leaseMs),
        VIGIL_ALERT_DEFAULT_RULES: 'false',
        VIGIL_ALERT_NOTIFY_CONFIG: notifyFile,
        VIGIL_ALERT_DELIVERY_BACKOFF_MS: '200',
      },
      gateway: { ...testGatewayAuth.env },
      'backup-svc': {},
    };
    this.extraEnv = Object.fromEntries(
      SERVICES.map((s) => [s.name, { ...extra[s.app], [s.portVar]: String(this.ports[s.name]) }]),
    );
    for (const s of SERVICES) this.spawn(s.name);
    // Booting seven processes at once on a busy machine is slow, and not what the run is about.
    await this.waitAllReady('start', 3 * this.o.readyTimeoutMs);
    const notStarted = this.observations.recovery.filter((r) => !r.resumed).map((r) => r.service);
    if (notStarted.length) throw new Error(`not ready after start: ${notStarted.join(', ')}`);
    this.observations.recovery = [];
    this.admin = await this.connect('admin');
    this.agent = await this.connect('agent');
  }

  connect(identity) {
    return connect({
      servers: this.nats.url,
      user: identity,
      pass: this.nats.passwords[identity],
      inboxPrefix: natsInboxPrefix(identity),
      name: `vigil-chaos:${identity}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
  }

  env(name) {
    const app = SERVICES.find((s) => s.name === name).app;
    return {
      ...this.nats.env(app),
      DATABASE_URL: this.postgres.url,
      REDIS_URL: this.redis.url,
      VIGIL_NATS_PREFIX: this.topology.prefix,
      VIGIL_REDIS_PREFIX: 'chaos:',
      VIGIL_PARTITIONS: String(this.topology.partitions),
      LOG_LEVEL: 'warn',
      VIGIL_GATEWAY_PORT: String(this.ports.gateway),
      ...this.extraEnv[name],
    };
  }

  spawn(name) {
    const p = new ServiceProcess(SERVICES.find((s) => s.name === name).app, this.env(name)).start();
    this.services.set(name, p);
    p.waitExit().then((code) => {
      if (this.services.get(name) === p && !p.expectedExit) {
        const at = this.currentStep ?? 'no step';
        this.observations.unexpectedExits.push({ service: name, code, during: at, log: p.lines.slice(-5) });
        this.log(`${name} exited by itself (code ${code}) during ${at}: restarting it, as its supervisor would`);
        if (!this.stopping) this.spawn(name);
      }
    });
    return p;
  }

  readyUrl(name) {
    return `http://127.0.0.1:${this.ports[name]}/health/ready`;
  }

  async isReady(name) {
    const r = await fetch(this.readyUrl(name), { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
    return r?.status === 200;
  }

  /** Waits until every service reports ready by itself; records how long each took. */
  async waitAllReady(after, timeoutMs = this.o.readyTimeoutMs) {
    const started = Date.now();
    await Promise.all(
      SERVICES.map(async ({ name }) => {
        for (;;) {
          if (await this.isReady(name)) {
            this.observations.recovery.push({ service: name, after, resumed: true, ms: Date.now() - started });
            return;
          }
          if (Date.now() - started > timeoutMs) {
            const p = this.services.get(name);
            this.observations.recovery.push({ service: name, after, resumed: false, log: p.lines.slice(-10) });
            this.log(`${name} not ready ${timeoutMs} ms after ${after}:\n${p.lines.slice(-10).join('\n')}`);
            return;
          }
          await sleep(200);
        }
      }),
    );
  }

  /** Which services answer ready while `dependency` is down (each should not). */
  async observeOutage(dependency) {
    const ready = [];
    for (const { name } of SERVICES) if (await this.isReady(name)) ready.push(name);
    if (ready.length) this.observations.readyDuringOutage.push({ dependency, ready });
    return ready;
  }

  async kill(name) {
    const p = this.services.get(name);
    p.expectedExit = true;
    p.kill('SIGKILL');
    await p.waitExit();
    this.spawn(name);
  }

  async pause(name) {
    const p = this.services.get(name);
    p.kill('SIGSTOP');
    await sleep(this.o.leaseMs + 1000);
    p.kill('SIGCONT');
  }

  async restartDependency(target, coldStart) {
    if (target === 'nats') await this.nats.kill();
    else if (target === 'postgres') await this.postgres.crash();
    else await this.redis.kill();
    if (coldStart) {
      // A process (re)started while the dependency is down: it must come up not-ready and wait.
      const p = this.services.get(coldStart);
      p.expectedExit = true;
      p.kill('SIGKILL');
      await p.waitExit();
      const fresh = this.spawn(coldStart);
      // Down until the new process has met the outage: it logs that it waits (Postgres, Redis; a
      // NATS client waits for its first connection silently), or it exits.
      const deadline = Date.now() + (target === 'nats' ? 8000 : 30_000);
      while (Date.now() < deadline && fresh.running() && !fresh.lines.some((l) => l.includes(`waiting for ${target}`)))
        await sleep(200);
      this.observations.coldStarts.push({
        service: coldStart,
        dependency: target,
        waited: fresh.lines.some((l) => l.includes(`waiting for ${target}`)),
        exited: !fresh.running(),
      });
    }
    await sleep(this.o.outageMs);
    const ready = await this.observeOutage(target);
    if (ready.length) this.log(`ready while ${target} is down: ${ready.join(', ')}`);
    if (target === 'nats') await this.nats.start();
    else if (target === 'postgres') await this.postgres.start();
    else await this.redis.start();
  }

  async step(step) {
    this.currentStep = step.service
      ? `${step.kind} ${step.service} while ${step.target} is down`
      : `${step.kind} ${step.target}`;
    this.log(this.currentStep);
    if (step.kind === 'kill') await this.kill(step.target);
    else if (step.kind === 'pause') await this.pause(step.target);
    else await this.restartDependency(step.target, step.service);
    await this.waitAllReady(this.currentStep);
    this.currentStep = undefined;
  }

  /** Retries a command until the service answers (it may be down at that moment). */
  async applyRules(rules, ledger) {
    const deadline = Date.now() + this.o.readyTimeoutMs;
    for (;;) {
      try {
        await requestQuery(this.admin, this.topology, ruleOperations.apply, { rules, actor: 'chaos' }, 5000);
        ledger.recordRuleChange(
          rules.map((r) => r.id),
          Date.now(),
        );
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`could not apply the rules: ${e.message}`);
        await sleep(500);
      }
    }
  }

  pids() {
    const out = {};
    for (const [name, p] of this.services) if (p.pid && p.running()) out[name] = p.pid;
    return out;
  }

  async stop() {
    if (this.stopping) return;
    this.stopping = true;
    running.delete(this);
    for (const p of this.services.values()) p.expectedExit = true;
    await Promise.all([...this.services.values()].map((p) => p.stop(5000)));
    await this.admin?.close().catch(() => {});
    await this.agent?.close().catch(() => {});
    await this.webhook.close().catch(() => {});
    await this.nats?.stop().catch(() => {});
    await this.redis?.kill().catch(() => {});
    await this.postgres?.stop().catch(() => {});
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What Vigil stored, read back for the comparison. */
async function storedState(platform, ledger) {
  const pg = new Client({ connectionString: platform.postgres.url });
  await pg.connect();
  try {
    const samples = new Map();
    // Per series and bucket; per series only for a long run (the soak), where the ledger keeps no buckets.
    const bucket = ledger.bucketed ? '(extract(epoch FROM r.bucket) * 1000)::bigint' : '0::bigint';
    const { rows } = await pg.query(
      `SELECT s.node_id, s.metric, s.labels, ${bucket} AS b, sum(r.count)::bigint AS count, sum(r.sum) AS sum
         FROM metrics.rollup_10s r JOIN metrics.series s ON s.id = r.series_id
        GROUP BY 1, 2, 3, 4`,
    );
    for (const r of rows) {
      const series = seriesKey(r.node_id, r.metric, r.labels);
      const key = ledger.bucketed ? `${series}|${r.b}` : series;
      const e = samples.get(key) ?? { count: 0, sum: 0 };
      e.count += Number(r.count);
      e.sum += Number(r.sum);
      samples.set(key, e);
    }
    const history = (
      await pg.query(`SELECT labels->>'node' AS node, type FROM alerting.alert_history ORDER BY seq`)
    ).rows.filter((h) => h.type !== 'alert.pending');
    const rules = (await pg.query('SELECT id FROM alerting.rules WHERE enabled')).rows.map((r) => r.id);
    return { samples, history, rules };
  } finally {
    await pg.end();
  }
}

/** The registry as an operator sees it: the gateway's node list, as its first admin. */
async function registryNodes(platform) {
  const base = `http://127.0.0.1:${platform.ports.gateway}`;
  const token = await loginToGateway(base);
  const nodes = new Map();
  for (let offset = 0; ; offset += 1000) {
    const r = await fetch(`${base}/api/v1/nodes?limit=1000&offset=${offset}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (r.status !== 200) throw new Error(`GET /api/v1/nodes: ${r.status} ${await r.text()}`);
    const page = await r.json();
    for (const n of page.items)
      nodes.set(n.id, { status: n.status, lastSeenAt: n.lastSeenAt ? Date.parse(n.lastSeenAt) : null });
    if (offset + 1000 >= page.total) return nodes;
  }
}

async function rollupCount(platform) {
  const pg = new Client({ connectionString: platform.postgres.url });
  await pg.connect();
  try {
    const { rows } = await pg.query('SELECT coalesce(sum(count), 0)::bigint AS n FROM metrics.rollup_10s');
    return Number(rows[0].n);
  } finally {
    await pg.end();
  }
}

/**
 * Runs the whole chaos proof and answers its report: `passed`, `failures` (each a line), the
 * comparisons, what the driver did and observed. `options.schedule({ platform, fleet, runStep,
 * midRun, started })`, when given, replaces the default cycles (the soak bench spaces its steps
 * out and takes readings); it must call `midRun()` once and answer the number of cycles run.
 */
async function runChaos(options = {}) {
  const o = { ...DEFAULTS, ...options };
  const log = o.log;
  const started = Date.now();
  const ledger = new Ledger({ bucketed: o.bucketed });
  const platform = new ChaosPlatform(o);
  const steps = [];
  let fleet;
  try {
    await platform.start();
    log(`services ready after ${Date.now() - started} ms`);
    await platform.applyRules([HOT_RULE], ledger);
    fleet = new LedgerFleet({
      nc: platform.agent,
      topology: platform.topology,
      ledger,
      nodes: o.nodes,
      heartbeatMs: o.heartbeatMs,
    });
    const hot = Array.from({ length: o.hot }, (_, i) => i);
    fleet.heat(hot.slice(0, Math.ceil(hot.length / 2)));
    fleet.start();
    await sleep(3000);

    const runStep = async (step) => {
      const t = Date.now();
      await platform.step(step);
      steps.push({ ...step, ms: Date.now() - t, backlog: fleet.backlog() });
      const error = fleet.lastError && fleet.lastError.at > t ? `, last publish error: ${fleet.lastError.message}` : '';
      log(
        `${step.kind} ${step.service ?? step.target}: ${Date.now() - t} ms, fleet backlog ${fleet.backlog()}${error}`,
      );
    };
    /** The other hot nodes heat up and the rules change: done under chaos, mid-run. */
    const midRun = async () => {
      fleet.heat(hot.slice(Math.ceil(hot.length / 2)));
      await platform.applyRules([HOT_RULE, TICKS_RULE], ledger);
    };
    let cycles = 0;
    if (o.schedule) {
      cycles = await o.schedule({ platform, fleet, runStep, midRun, started });
    } else {
      const cycle = o.steps ?? cycleSteps();
      const deadline = started + o.minutes * 60_000;
      do {
        for (const [i, step] of cycle.entries()) {
          await runStep(step);
          if (cycles === 0 && i === Math.floor(cycle.length / 2)) await midRun();
          await sleep(o.calmMs);
        }
        cycles++;
      } while (Date.now() < deadline);
    }

    // The late heaters need their `for` and a notification round after the last step.
    await sleep(HOT_RULE.for + 4000);
    log(`stopping the fleet (backlog ${fleet.backlog()})`);
    const unpublished = await fleet.stop(o.drainTimeoutMs);
    if (unpublished)
      log(
        `JetStream did not acknowledge ${unpublished} queued messages within ${o.drainTimeoutMs} ms (${fleet.uncertain} of them sent, stored or not)`,
      );
    const sent = ledger.totalSamples;
    log(`fleet acknowledged ${ledger.batches} batches (${sent} samples); waiting for the rollups`);
    const settleStarted = Date.now();
    let count = 0;
    while (Date.now() - settleStarted < o.settleTimeoutMs) {
      count = await rollupCount(platform).catch(() => count);
      if (count >= sent) break;
      await sleep(500);
    }
    // Anything still in flight (a late merge, a retried delivery) gets its chance.
    await sleep(3000);
    const stored = await storedState(platform, ledger);
    const nodes = await registryNodes(platform);
    const result = {
      samples: compareSamples(ledger, stored.samples),
      registry: compareRegistry(ledger, nodes),
      alerts: compareAlerts(ledger, stored.history),
      notifications: compareNotifications(ledger, platform.webhook.received),
      rules: {
        applied: ledger.ruleChanges,
        missing: [HOT_RULE.id, TICKS_RULE.id].filter((id) => !stored.rules.includes(id)),
      },
      recovery: platform.observations.recovery.filter((r) => !r.resumed),
      unexpectedExits: platform.observations.unexpectedExits,
      unpublished,
    };
    const failed = failures(result);
    return {
      passed: failed.length === 0,
      failures: failed,
      durationMs: Date.now() - started,
      cycles,
      nodes: o.nodes,
      ledger: {
        batches: ledger.batches,
        samples: ledger.totalSamples,
        heartbeats: [...ledger.heartbeats.values()].reduce((n, h) => n + h.count, 0),
        ruleChanges: ledger.ruleChanges.length,
        hotNodes: ledger.hotSince.size,
      },
      fleet: { publishFailuresRetried: fleet.publishFailures, unpublished, uncertain: fleet.uncertain },
      ...result,
      steps,
      observations: {
        unexpectedExits: platform.observations.unexpectedExits,
        readyDuringOutage: platform.observations.readyDuringOutage,
        coldStarts: platform.observations.coldStarts,
        slowestRecovery: platform.observations.recovery.reduce((m, r) => Math.max(m, r.ms ?? 0), 0),
      },
    };
  } finally {
    if (fleet) clearInterval(fleet.timer);
    await platform.stop();
  }
}

/** A human-readable verdict for the end of a run. */
function formatReport(report) {
  const lines = [
    `chaos run: ${report.passed ? 'PASSED' : 'FAILED'} in ${(report.durationMs / 1000).toFixed(0)} s, ${report.cycles} cycle(s), ${report.nodes} nodes`,
    `  ledger: ${report.ledger.batches} batches, ${report.ledger.samples} samples, ${report.ledger.heartbeats} heartbeats, ${report.ledger.ruleChanges} rule changes, ${report.ledger.hotNodes} alerts expected`,
    `  samples: ${report.samples.stored} stored of ${report.samples.expected}; lost ${report.samples.lost}, counted twice ${report.samples.countedTwice}, wrong sums ${report.samples.sumMismatches}`,
    `  registry: ${report.registry.expected} nodes; missing ${report.registry.missing}, not online ${report.registry.notOnline}, wrong last heartbeat ${report.registry.staleLastSeen}`,
    `  alerts: lost ${report.alerts.lost}, unexpected ${report.alerts.unexpected}, resolved while hot ${report.alerts.falselyResolved}, duplicate firings ${report.alerts.duplicated}`,
    `  notifications: ${report.notifications.received} received; lost ${report.notifications.lost}, duplicated ${report.notifications.duplicated}, repeats of one id (allowed) ${report.notifications.allowedRepeats}, wrong idempotency key ${report.notifications.keyMismatches}`,
  ];
  for (const what of ['samples', 'registry', 'alerts', 'notifications'])
    for (const e of report[what].examples) lines.push(`    ${what}: ${e}`);
  for (const e of report.observations.unexpectedExits)
    lines.push(
      `  exited by itself: ${e.service} (code ${e.code}) during ${e.during}; its last lines:`,
      ...e.log.map((l) => `    ${l.slice(0, 400)}`),
    );
  for (const e of report.observations.readyDuringOutage)
    lines.push(`  reported ready while ${e.dependency} was down: ${e.ready.join(', ')}`);
  for (const f of report.failures) lines.push(`  FAIL: ${f}`);
  return lines.join('\n');
}

/** Stops every platform still running (servers, processes, temporary folders). */
async function stopAll() {
  await Promise.allSettled([...running].map((p) => p.stop()));
}

module.exports = { stopAll, runChaos, formatReport, cycleSteps, ciSteps, SERVICES };
