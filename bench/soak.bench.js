/**
 * Soak: the chaos platform (tools/chaos/chaos.js: private nats-server, Postgres and Redis, every
 * service from its build, two replicas of metrics-svc and alert-svc) with a large ledgered fleet
 * streaming for a long time, and one chaos step (a kill, a pause past the lease, a restart of NATS,
 * Postgres or Redis, a start during an outage: in turn) every --chaos-every minutes. Reads every
 * service's RSS and metrics-svc's ingest lag histogram (vigil_metrics_ingest_lag_seconds, both
 * replicas, restarts included) every 10 s, and compares the first --window minutes of streaming with
 * the last. At the end the ledger is compared with what Vigil stored, per series (tools/chaos/ledger.js).
 *
 *   npm run bench -- soak [--minutes 60] [--nodes 3000] [--chaos-every 5] [--window 10] [--partitions 16]
 *                         [--nats-monitor PORT]
 *
 * The streams have the production limits (DEFAULT_STREAM_LIMITS: TELEMETRY 24 h or 8 GiB),
 * not the tests' 256 MiB: on nats-server 2.9.10, a stream at its byte limit whose subjects carry
 * the node id spends most of a core removing its oldest messages (nats-server #4043, improved in
 * 2.9.16), which at 3,000 nodes the tests' limit reaches in under three minutes. An hour at
 * 3,000 nodes stays under 8 GiB (about 6.4 GB, from the rate at which it filled 256 MiB);
 * --stream-limits test puts the tests' limit back.
 *
 * --nats-monitor serves the private nats-server's monitoring on 127.0.0.1:PORT and its Go profiler
 * on PORT+1 (`curl 127.0.0.1:PORT+1/debug/pprof/profile?seconds=20 > nats.pprof`). Every minute a
 * progress line gives the CPU each process used (services, nats-server, Postgres with its
 * backends, Redis, this bench with its fleet) and the fleet's backlog.
 *
 * Progress goes to stderr; the last line of stdout is one JSON object:
 *   rss[service] = { firstMb, lastMb, changePct } (mean RSS over each window; a process restarted by
 *   the chaos starts small again, so a step in the last window lowers its mean), lagP99 = { first,
 *   last, changePct } in seconds, flat (every change within ±10 %), lagByMinute (each minute's
 *   lag p99, observations and batches folded again: which step a bad window comes from), the chaos steps run and the
 *   ledger's verdict (passed, failures, samples lost and counted twice, alerts, notifications).
 * Exits 1 when the ledger finds a loss or a duplicate.
 */
const { parseArgs } = require('node:util');
const { cycleSteps, formatReport, runChaos, stopAll } = require('../tools/chaos/chaos');
const { DEFAULT_STREAM_LIMITS } = require('@vigil/contracts');
const { childPids, cpuDelta, cpuOfPids, rssKb } = require('./lib/proc');
const { histogramDelta, histogramOf, quantile, scrape, sumOf } = require('./lib/prom');

const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    nodes: { type: 'string', default: '3000' },
    'chaos-every': { type: 'string', default: '5' },
    window: { type: 'string', default: '10' },
    partitions: { type: 'string', default: '16' },
    'nats-monitor': { type: 'string' },
    'stream-limits': { type: 'string', default: 'production' },
  },
  strict: true,
});
const number = (name, min) => {
  const v = Number(opts[name]);
  if (!Number.isFinite(v) || v < min)
    throw new Error(`--${name} must be a number of at least ${min}, got "${opts[name]}"`);
  return v;
};
const MINUTES = number('minutes', 1);
const NODES = Math.round(number('nodes', 10));
const CHAOS_EVERY_MS = number('chaos-every', 0.25) * 60_000;
const WINDOW_MS = number('window', 0.5) * 60_000;
const PARTITIONS = Math.round(number('partitions', 1));
if (2 * WINDOW_MS > MINUTES * 60_000) throw new Error('--window must be at most half of --minutes');
if (!['production', 'test'].includes(opts['stream-limits']))
  throw new Error(`--stream-limits must be production or test, got "${opts['stream-limits']}"`);
const STREAM_LIMITS =
  opts['stream-limits'] === 'production'
    ? {
        telemetryMaxAgeMs: DEFAULT_STREAM_LIMITS.telemetryMaxAgeMs,
        telemetryMaxBytes: DEFAULT_STREAM_LIMITS.telemetryMaxBytes,
      }
    : {};
const READING_MS = 10_000;
const LAG = 'vigil_metrics_ingest_lag_seconds';
/** Batches folded again after a rewind or a takeover: not in the lag histogram, counted here. */
const REREAD = 'vigil_metrics_ingest_reread_batches_total';
const log = (line) => process.stderr.write(`[soak] ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One kind after the other (kill, pause, dependency restart, start during an outage), so every kind recurs early. */
function interleaved(steps) {
  const byKind = new Map();
  for (const s of steps) byKind.set(s.kind, [...(byKind.get(s.kind) ?? []), s]);
  const lanes = [...byKind.values()];
  const out = [];
  for (let i = 0; out.length < steps.length; i++) for (const lane of lanes) if (lane[i]) out.push(lane[i]);
  return out;
}

function addInto(acc, delta) {
  if (!delta || delta.count <= 0) return acc;
  if (!acc) return { buckets: delta.buckets.map((b) => ({ ...b })), count: delta.count, sum: delta.sum };
  const byLe = new Map(acc.buckets.map((b) => [b.le, b]));
  for (const b of delta.buckets) {
    const into = byLe.get(b.le);
    if (into) into.count += b.count;
    else acc.buckets.push({ ...b });
  }
  acc.buckets.sort((a, b) => a.le - b.le);
  acc.count += delta.count;
  acc.sum += delta.sum;
  return acc;
}

/** The processes the run needs, by name: every service, nats-server, Postgres (with its backends), Redis, this bench (with its fleet). */
function platformProcesses(platform) {
  const out = Object.entries(platform.pids()).map(([name, pid]) => ({ name, pids: [pid] }));
  const nats = platform.nats?.pid();
  if (nats) out.push({ name: 'nats', pids: [nats] });
  const pg = platform.postgres?.pid();
  if (pg) out.push({ name: 'postgres', pids: [pg, ...childPids(pg)] });
  const redis = platform.redis?.pid();
  if (redis) out.push({ name: 'redis', pids: [redis] });
  out.push({ name: 'bench', pids: [process.pid] });
  return out;
}

/** CPU seconds of each process the run needs, by name (cpuOfPids per name). */
async function cpuReading(platform) {
  const out = new Map();
  for (const { name, pids } of platformProcesses(platform)) out.set(name, await cpuOfPids(pids));
  return out;
}

/** CPU % of each between two readings (a pid new in the second counts whole), and their sum. */
function cpuPercents(before, after, ms) {
  const pct = {};
  for (const [name, pids] of after)
    pct[name] = Math.round((cpuDelta(before.get(name) ?? new Map(), pids) / (ms / 1000)) * 100);
  pct.total = Object.values(pct).reduce((x, y) => x + y, 0);
  return pct;
}

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
const changePct = (first, last) =>
  first === undefined || last === undefined || first === 0
    ? undefined
    : Math.round(((last - first) / first) * 1000) / 10;

async function main() {
  const rssReadings = []; // { t, service, kb }
  const lag = { first: undefined, last: undefined };
  const reread = { first: 0, last: 0, total: 0 };
  // The lag of each minute (p99 and observations) and the batches folded again in it.
  let minute = { lag: undefined, reread: 0 };
  const lagByMinute = [];
  const previous = new Map(); // instance -> { pid, histogram }
  const chaosRun = [];
  let windows;

  const schedule = async ({ platform, fleet, runStep, midRun }) => {
    const streamStart = Date.now();
    let cpuBefore = { at: Date.now(), reading: await cpuReading(platform) };
    const end = streamStart + MINUTES * 60_000;
    windows = { first: [streamStart, streamStart + WINDOW_MS], last: [end - WINDOW_MS, end] };
    const order = interleaved(cycleSteps());
    let next = 0;
    let nextChaosAt = streamStart + CHAOS_EVERY_MS;
    let midDone = false;
    const inWindow = (t) =>
      t >= windows.first[0] && t <= windows.first[1]
        ? 'first'
        : t >= windows.last[0] && t <= windows.last[1]
          ? 'last'
          : undefined;
    while (Date.now() < end) {
      const t = Date.now();
      const which = inWindow(t);
      for (const [service, pid] of Object.entries(platform.pids())) {
        const kb = await rssKb(pid);
        if (kb) rssReadings.push({ t, service, kb });
      }
      for (const instance of ['metrics-svc-a', 'metrics-svc-b']) {
        const pid = platform.pids()[instance];
        const page = await scrape(`http://127.0.0.1:${platform.ports[instance]}/metrics`).catch(() => undefined);
        if (!page || !pid) continue;
        const h = histogramOf(page, LAG);
        const rereadNow = sumOf(page, REREAD) ?? 0;
        const before = previous.get(instance);
        // A new process: everything it observed since it started is new.
        const same = before?.pid === pid;
        const delta = histogramDelta(same ? before.histogram : undefined, h);
        const rereadDelta = rereadNow - (same ? before.reread : 0);
        previous.set(instance, { pid, histogram: h, reread: rereadNow });
        if (which) lag[which] = addInto(lag[which], delta);
        minute.lag = addInto(minute.lag, delta);
        minute.reread += rereadDelta;
        reread.total += rereadDelta;
        if (which) reread[which] += rereadDelta;
      }
      if (t - cpuBefore.at >= 60_000) {
        const reading = await cpuReading(platform);
        const pct = cpuPercents(cpuBefore.reading, reading, Date.now() - cpuBefore.at);
        cpuBefore = { at: Date.now(), reading };
        const parts = Object.entries(pct).map(([name, v]) => `${name} ${v}`);
        const at = Math.round((t - streamStart) / 60_000);
        const lagP99 = minute.lag && quantile(0.99, minute.lag);
        const lagS = lagP99 === undefined ? undefined : Math.round(lagP99 * 1000) / 1000;
        lagByMinute.push({ minute: at, lagP99: lagS, observations: minute.lag?.count ?? 0, reread: minute.reread });
        log(
          `${at} min: cpu % ${parts.join(', ')}; fleet backlog ${fleet.backlog()}; lag p99 ${lagS ?? '-'} s over ${minute.lag?.count ?? 0}, folded again ${minute.reread}`,
        );
        minute = { lag: undefined, reread: 0 };
      }
      if (!midDone && t - streamStart >= (end - streamStart) / 2) {
        await midRun();
        midDone = true;
      }
      if (t >= nextChaosAt && t < end - 30_000) {
        const step = order[next++ % order.length];
        const s = Date.now();
        await runStep(step);
        chaosRun.push({ at: Math.round((s - streamStart) / 1000), ...step, ms: Date.now() - s });
        log(`${Math.round((Date.now() - streamStart) / 60_000)} min: ${step.kind} ${step.service ?? step.target} done`);
        nextChaosAt += CHAOS_EVERY_MS;
      }
      await sleep(Math.max(0, READING_MS - (Date.now() - t)));
    }
    if (!midDone) await midRun();
    return Math.floor(next / order.length);
  };

  for (const signal of ['SIGINT', 'SIGTERM'])
    process.once(signal, () => {
      log(`${signal}: stopping the private platform`);
      stopAll().finally(() => process.exit(130));
    });
  log(
    `${MINUTES} min, ${NODES} nodes, a chaos step every ${CHAOS_EVERY_MS / 60_000} min, windows of ${WINDOW_MS / 60_000} min`,
  );
  const report = await runChaos({
    nodes: NODES,
    hot: 6,
    partitions: PARTITIONS,
    heartbeatMs: 5000,
    bucketed: false,
    natsMonitorPort: opts['nats-monitor'] ? Number(opts['nats-monitor']) : undefined,
    streamLimits: STREAM_LIMITS,
    settleTimeoutMs: 300_000,
    drainTimeoutMs: 300_000,
    readyTimeoutMs: 120_000,
    schedule,
    log: (line) => log(line),
  });
  process.stderr.write(`${formatReport(report)}\n`);

  const rss = {};
  for (const service of [...new Set(rssReadings.map((r) => r.service))].sort()) {
    const of = (w) =>
      mean(rssReadings.filter((r) => r.service === service && r.t >= w[0] && r.t <= w[1]).map((r) => r.kb / 1024));
    const firstMb = of(windows.first);
    const lastMb = of(windows.last);
    rss[service] = {
      firstMb: firstMb && Math.round(firstMb),
      lastMb: lastMb && Math.round(lastMb),
      maxMb: Math.round(Math.max(...rssReadings.filter((r) => r.service === service).map((r) => r.kb)) / 1024),
      changePct: changePct(firstMb, lastMb),
    };
  }
  const p99 = (h) => {
    const q = quantile(0.99, h);
    return q === undefined ? undefined : Math.round(q * 1000) / 1000;
  };
  const lagP99 = { first: p99(lag.first), last: p99(lag.last) };
  lagP99.changePct = changePct(lagP99.first, lagP99.last);
  const within = (pct) => pct !== undefined && Math.abs(pct) <= 10;
  const result = {
    bench: 'soak',
    minutes: MINUTES,
    streamLimits: opts['stream-limits'],
    nodes: NODES,
    partitions: PARTITIONS,
    chaosEveryMin: CHAOS_EVERY_MS / 60_000,
    windowMin: WINDOW_MS / 60_000,
    rss,
    lagP99,
    flat: Object.values(rss).every((r) => within(r.changePct)) && within(lagP99.changePct),
    lagObservations: { first: lag.first?.count ?? 0, last: lag.last?.count ?? 0 },
    rereadBatches: reread,
    lagByMinute,
    chaos: chaosRun,
    ledger: {
      passed: report.passed,
      failures: report.failures,
      batches: report.ledger.batches,
      samples: report.ledger.samples,
      unpublished: report.fleet.unpublished,
      samplesLost: report.samples.lost,
      samplesCountedTwice: report.samples.countedTwice,
      alertsLost: report.alerts.lost,
      notificationsDuplicated: report.notifications.duplicated,
      unexpectedExits: report.observations.unexpectedExits.map((e) => ({
        service: e.service,
        during: e.during,
        log: e.log,
      })),
      readyDuringOutage: report.observations.readyDuringOutage,
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(report.passed ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`soak failed: ${e.stack ?? e}\n`);
  stopAll().finally(() => process.exit(1));
});
