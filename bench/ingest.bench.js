/**
 * metrics-svc at fleet scale: how fast it works through a backlog of sample batches (drain),
 * and how large a fleet it keeps up with in real time (live). Each against references measured
 * in the same run on the same machine: the bus alone, and VictoriaMetrics ingesting the same
 * samples. bench/README.md explains the method, the output and what limits it.
 *
 *   npm run bench -- ingest [--mode drain|live|both|reference] [options]
 *
 * drain (default sizes: 2,000 nodes x 60 ticks x 50 series = 6M samples):
 *   1. generates the fleet's batches (1 s ticks in the past, 50 series per node, bench/lib/fleet50.js),
 *      encoded by the contracts' sampleBatchMessage, and preloads them into the TELEMETRY stream
 *      (not timed);
 *   2. bus ceiling: a bare consumer reading the same messages back, decoding nothing: with an
 *      ordered consumer (read only), and with a durable pull consumer acking each message;
 *   3. VictoriaMetrics: the same samples as Prometheus text with timestamps, POSTed to
 *      /api/v1/import/prometheus in concurrent chunks until every row is stored and flushed;
 *      (2 and 3 run --repeat times; the medians are reported)
 *   4. metrics-svc started on the preloaded stream: from its first pull request until sum(count)
 *      of metrics.rollup_10s equals the samples published (and never exceeds it).
 * live: metrics-svc running while child processes publish a fleet in real time (1 Hz, 50 series
 *   per node), stepped up; per step a warm-up, then a measured window: lag p50/p99 from the
 *   service's vigil_metrics_ingest_lag_seconds histogram, published and ingested rates, backlog.
 *   Stops at the first step where p99 >= --p99-limit, the backlog grows or the publisher falls
 *   short or late.
 * reference: steps 1-3 of drain only (no metrics-svc).
 *
 * Options: --nodes 2000 --ticks 60 --partitions 16 --repeat 3 --vm-concurrency 4 --vm-chunk-mb 32
 *   --drain-timeout 900 --steps 500,1000,2000,3000,5000,7500,10000 --warmup 30 --measure 30
 *   --publishers 1 --p99-limit 2
 *
 * Progress goes to stderr; the last line of stdout is one JSON object. Whatever happens (error,
 * SIGINT, SIGTERM), the bench stops what it started, drops its database, deletes its streams and
 * Redis keys and removes its temporary directories.
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync } = require('node:fs');
const { mkdtemp, rm } = require('node:fs/promises');
const { cpus, loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');
const { createInterface } = require('node:readline');
const { parseArgs } = require('node:util');
const { AckPolicy, DeliverPolicy } = require('@nats-io/jetstream');
const { sampleBatchMessage } = require('@vigil/contracts');
const { freePort, repoRoot, ServiceProcess, testUrls } = require('@vigil/test-support');
const { createFleet, prometheusLines, sampleBatch, SERIES_PER_NODE } = require('./lib/fleet50');
const { cpuDelta, cpuOfPids, cpuSeconds, cpuSecondsSync, pidsNamed, RssSampler } = require('./lib/proc');
const { histogramDelta, histogramOf, quantile, scrape, sumOf } = require('./lib/prom');
const { createDatabase, infraPids, openBus, registerRedisCleanup } = require('./lib/infra');
const { closeAll, installSignalHandlers, Scope, trackChild } = require('./lib/scope');
const { startVictoriaMetrics, ensureVictoriaMetrics } = require('./lib/victoriametrics');

const { values: opts } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    nodes: { type: 'string', default: '2000' },
    ticks: { type: 'string', default: '60' },
    partitions: { type: 'string', default: '16' },
    'vm-concurrency': { type: 'string', default: '4' },
    'vm-chunk-mb': { type: 'string', default: '32' },
    repeat: { type: 'string', default: '3' },
    'drain-timeout': { type: 'string', default: '900' },
    steps: { type: 'string', default: '500,1000,2000,3000,5000,7500,10000' },
    warmup: { type: 'string', default: '30' },
    measure: { type: 'string', default: '30' },
    publishers: { type: 'string', default: '1' },
    'p99-limit': { type: 'string', default: '2' },
  },
  strict: true,
});
const MODES = ['drain', 'live', 'both', 'reference'];
if (!MODES.includes(opts.mode)) throw new Error(`--mode must be one of ${MODES.join(', ')}, got "${opts.mode}"`);
const int = (name, min) => {
  const v = Number(opts[name]);
  if (!Number.isInteger(v) || v < min)
    throw new Error(`--${name} must be an integer of at least ${min}, got "${opts[name]}"`);
  return v;
};
const NODES = int('nodes', 1);
const TICKS = int('ticks', 1);
const PARTITIONS = int('partitions', 1);
const VM_CONCURRENCY = int('vm-concurrency', 1);
const VM_CHUNK_BYTES = int('vm-chunk-mb', 1) * 1024 * 1024;
const REPEAT = int('repeat', 1);
const DRAIN_TIMEOUT_MS = int('drain-timeout', 10) * 1000;
const STEPS = opts.steps.split(',').map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--steps must be node counts separated by commas, got "${opts.steps}"`);
  return n;
});
const WARMUP_MS = int('warmup', 0) * 1000;
const MEASURE_MS = int('measure', 1) * 1000;
const PUBLISHERS = int('publishers', 1);
const P99_LIMIT_S = Number(opts['p99-limit']);

const METRICS_MAIN = join(repoRoot, 'apps', 'metrics-svc', 'dist', 'main.js');
const started = Date.now();
const log = (msg) =>
  process.stderr.write(`[ingest ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const fixed = (v, digits) => (v === undefined || v === null || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));
const rate = (n, ms) => Math.round(n / (Math.max(ms, 1) / 1000));
const mb = (bytes) => Number((bytes / 1024 / 1024).toFixed(1));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const runId = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

// ---------------------------------------------------------------------------------------------
// Shared set-up: metrics-svc (the bus, database and Redis prefix: bench/lib/infra.js)

/** metrics-svc on this run's bus, database and Redis prefix; resolves once /health/ready answers. */
async function startMetricsSvc(scope, { topology, db, redisPrefix }, onStarted = () => undefined) {
  if (!existsSync(METRICS_MAIN)) throw new Error(`${METRICS_MAIN} is missing: build first (npm run bench builds)`);
  const port = await freePort();
  const env = {
    NATS_URL: testUrls.nats,
    DATABASE_URL: db.url,
    REDIS_URL: testUrls.redis,
    VIGIL_NATS_PREFIX: topology.prefix,
    VIGIL_REDIS_PREFIX: redisPrefix,
    VIGIL_PARTITIONS: String(topology.partitions),
    VIGIL_METRICS_PORT: String(port),
    LOG_LEVEL: 'warn',
  };
  // VIGIL_BENCH_NODE_ARGS passes flags to metrics-svc's Node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.VIGIL_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const svc = trackChild(new ServiceProcess('metrics-svc', env, undefined, nodeArgs));
  scope.add('stop metrics-svc', async () => {
    const code = await svc.stop();
    if (code !== 0 && code !== null)
      log(`metrics-svc exited with ${code}; log tail:\n${svc.lines.slice(-15).join('\n')}`);
  });
  const spawnedAt = now();
  svc.start();
  onStarted(svc, spawnedAt);
  const sampler = new RssSampler(() => [svc.pid]);
  scope.add('stop sampling metrics-svc', () => sampler.stop());
  await svc.waitHttpOk(`http://127.0.0.1:${port}/health/ready`, 120_000);
  const readyAt = now();
  return { svc, sampler, port, metricsUrl: `http://127.0.0.1:${port}/metrics`, bootMs: readyAt - spawnedAt, readyAt };
}

function assertRunning(svc) {
  if (!svc.running()) throw new Error(`metrics-svc exited:\n${svc.lines.slice(-30).join('\n')}`);
}

async function infraCpu(pids) {
  return {
    postgres: await cpuOfPids(pids.postgres),
    redis: await cpuOfPids(pids.redis),
    nats: await cpuOfPids(pids.nats),
  };
}

function infraCpuDelta(a, b) {
  return {
    postgres_backends_cpu_s: b.postgres.size ? fixed(cpuDelta(a.postgres, b.postgres), 2) : null,
    redis_cpu_s: b.redis.size ? fixed(cpuDelta(a.redis, b.redis), 2) : null,
    nats_cpu_s: b.nats.size ? fixed(cpuDelta(a.nats, b.nats), 2) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Drain: generation, preload, bus ceiling, VictoriaMetrics, metrics-svc

/**
 * The fleet's batches, tick by tick: JetStream messages (sampleBatchMessage) and the same
 * samples as Prometheus text lines with millisecond timestamps, in chunks of ~VM_CHUNK_BYTES.
 * Ticks end more than 90 s before now and start on a 10 s boundary, so every 10 s bucket is
 * closed by the wall clock and whole.
 */
function generate(topology) {
  const fleet = createFleet(NODES);
  const firstTs = Math.floor((Date.now() - (TICKS + 90) * 1000) / 10_000) * 10_000;
  const msgs = new Array(NODES * TICKS);
  const chunks = [];
  // Each batch's text goes straight into the chunk's bytes: retained strings would be ropes the GC copies.
  let chunk = Buffer.allocUnsafe(VM_CHUNK_BYTES + 1024 * 1024);
  let used = 0;
  let busBytes = 0;
  let textBytes = 0;
  let i = 0;
  for (let t = 0; t < TICKS; t++) {
    const ts = firstTs + t * 1000;
    for (const node of fleet) {
      const batch = sampleBatch(node, ts);
      const m = sampleBatchMessage(topology, batch);
      msgs[i++] = m;
      busBytes += m.data.length;
      const text = prometheusLines(batch);
      if (used + text.length > chunk.length) {
        chunks.push(chunk.subarray(0, used));
        chunk = Buffer.allocUnsafe(Math.max(VM_CHUNK_BYTES + 1024 * 1024, text.length));
        used = 0;
      }
      used += chunk.write(text, used, 'latin1');
      textBytes += text.length;
      if (used >= VM_CHUNK_BYTES) {
        chunks.push(chunk.subarray(0, used));
        chunk = Buffer.allocUnsafe(VM_CHUNK_BYTES + 1024 * 1024);
        used = 0;
      }
    }
  }
  if (used) chunks.push(chunk.subarray(0, used));
  return { msgs, chunks, firstTs, lastTs: firstTs + (TICKS - 1) * 1000, busBytes, textBytes };
}

/** Publishes every message, `concurrency` in flight, each retried on failure (its msgID makes a retry safe). */
async function preload(js, msgs, concurrency = 1024) {
  let next = 0;
  let duplicates = 0;
  const worker = async () => {
    while (next < msgs.length) {
      const m = msgs[next++];
      for (let attempt = 1; ; attempt++) {
        try {
          const ack = await js.publish(m.subject, m.data, { msgID: m.msgId, timeout: 30_000 });
          if (ack.duplicate && attempt === 1) duplicates++; // a retry of a stored message is reported duplicate: fine
          break;
        } catch (e) {
          if (attempt >= 5) throw e;
          await sleep(200 * attempt);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return duplicates;
}

/**
 * The bus alone, on the preloaded stream: how fast a Node.js client gets the messages back.
 * read: an ordered consumer (ephemeral, no acks), large pulls. acked: a durable pull consumer
 * with explicit acks (what a consumer that must not lose a message pays at least), one ack
 * per message; the clock stops once the last ack is flushed to the server.
 */
async function busCeiling({ nc, js, jsm, topology }, expected, avgMsgBytes) {
  const stream = topology.streams.telemetry;
  const natsPids = pidsNamed('nats-server');
  // ~8 MiB per pull: far below the server's 64 MiB pending limit per client, whose overflow
  // (the Node.js process stalled by GC or a busy core) drops messages, and then an ordered
  // consumer stalls until it notices and resets, a durable one until the ack wait.
  const maxMessages = Math.max(100, Math.min(10_000, Math.round((8 * 1024 * 1024) / avgMsgBytes)));
  const watch = (messages, counts) =>
    (async () => {
      for await (const s of messages.status())
        if (s.type !== 'next' && s.type !== 'heartbeat') counts[s.type] = (counts[s.type] ?? 0) + 1;
    })().catch(() => undefined);

  let cpu0 = await cpuOfPids(natsPids);
  let t0 = now();
  // One subject as a string: NATS 2.9 knows only filter_subject (nats.js maps it).
  const ordered = await js.consumers.get(stream, { filter_subjects: topology.subjects.allSamples() });
  const messages = await ordered.consume({ max_messages: maxMessages });
  const readEvents = {};
  watch(messages, readEvents);
  let seen = 0;
  let bytes = 0;
  for await (const m of messages) {
    bytes += m.data.length;
    if (++seen === expected) break;
  }
  const readMs = now() - t0;
  const readNatsCpu = cpuDelta(cpu0, await cpuOfPids(natsPids));
  await messages.close();
  await ordered.delete().catch(() => undefined);

  await jsm.consumers.add(stream, {
    durable_name: 'bench-bus-ceiling',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: topology.subjects.allSamples(),
    max_ack_pending: 20_000,
  });
  cpu0 = await cpuOfPids(natsPids);
  t0 = now();
  const durable = await js.consumers.get(stream, 'bench-bus-ceiling');
  const acked = await durable.consume({ max_messages: maxMessages });
  const ackedEvents = {};
  watch(acked, ackedEvents);
  seen = 0;
  for await (const m of acked) {
    m.ack();
    if (++seen === expected) break;
  }
  await nc.flush();
  const ackedMs = now() - t0;
  const ackedNatsCpu = cpuDelta(cpu0, await cpuOfPids(natsPids));
  await acked.close();
  const info = await jsm.consumers.info(stream, 'bench-bus-ceiling');
  await jsm.consumers.delete(stream, 'bench-bus-ceiling').catch(() => undefined);
  return {
    readMs,
    ackedMs,
    bytes,
    readNatsCpu,
    ackedNatsCpu,
    maxMessages,
    readEvents,
    ackedEvents,
    redelivered: info.num_redelivered,
  };
}

const vmRowsAdded = async (url) => sumOf(await scrape(`${url}/metrics`), 'vm_rows_added_to_storage_total') ?? 0;

/**
 * VictoriaMetrics ingesting the same samples: POSTs of Prometheus text, VM_CONCURRENCY at a
 * time, until every row is in storage and flushed (searchable). A fresh server and data
 * directory each run.
 */
async function victoriaRun(scope, gen, samples, run) {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-ingest-bench-vm-'));
  scope.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const vm = await startVictoriaMetrics({ dataDir: dir, port: await freePort() });
  scope.add('stop victoria-metrics', () => vm.stop());
  if (run === 0)
    log(
      `  victoria-metrics ${vm.version}: ${gen.chunks.length} chunks (${mb(gen.textBytes)} MB), ${VM_CONCURRENCY} at a time, ${REPEAT} run(s)`,
    );

  const rows0 = await vmRowsAdded(vm.url);
  const sampler = new RssSampler(() => [vm.pid]);
  const cpu0 = await cpuSeconds(vm.pid);
  const t0 = now();
  let next = 0;
  const worker = async () => {
    while (next < gen.chunks.length) {
      const body = gen.chunks[next++];
      const r = await fetch(`${vm.url}/api/v1/import/prometheus`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain' },
      });
      const text = await r.text();
      if (r.status !== 204) throw new Error(`victoria-metrics import answered ${r.status}: ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: VM_CONCURRENCY }, worker));
  const importMs = now() - t0;
  // An import may be answered before all its rows are in storage (seen with small imports):
  // wait for the rows, then flush them to searchable parts; only then is everything imported.
  let rows = (await vmRowsAdded(vm.url)) - rows0;
  const rowsAtAnswer = rows;
  for (const deadline = Date.now() + 120_000; rows < samples && Date.now() < deadline;) {
    await sleep(20);
    rows = (await vmRowsAdded(vm.url)) - rows0;
  }
  const rowsMs = now() - t0 - importMs;
  await fetch(`${vm.url}/internal/force_flush`).then((r) => r.text());
  const ms = now() - t0;
  const cpu = (await cpuSeconds(vm.pid)) - cpu0;
  await sampler.sample();
  sampler.stop();
  if (rows !== samples) throw new Error(`victoria-metrics stored ${rows} rows of ${samples} samples`);

  // Verification, not timed: every series and every sample can be read back.
  const windowS = Math.ceil((gen.lastTs - gen.firstTs) / 1000) + 2;
  const query = async (expr) => {
    const q = new URLSearchParams({ query: expr, time: String((gen.lastTs + 500) / 1000), nocache: '1' });
    const j = await fetch(`${vm.url}/api/v1/query?${q}`).then((r) => r.json());
    if (j.status !== 'success') throw new Error(`victoria-metrics query ${expr}: ${JSON.stringify(j).slice(0, 300)}`);
    return Number(j.data.result[0]?.value?.[1] ?? 0);
  };
  const seriesCount = await query(`count(last_over_time({__name__=~"node_.+"}[${windowS}s]))`);
  const counted = await query(`sum(count_over_time({__name__=~"node_.+"}[${windowS}s]))`);
  if (counted !== samples || seriesCount !== NODES * SERIES_PER_NODE) {
    throw new Error(
      `victoria-metrics reads back ${counted} samples of ${seriesCount} series; ${samples} samples of ${NODES * SERIES_PER_NODE} series were imported`,
    );
  }
  // Background merges go on after the import; their CPU over the next 3 s, for the record.
  const cpuAfter0 = await cpuSeconds(vm.pid);
  await sleep(3000);
  const mergeCpu = (await cpuSeconds(vm.pid)) - cpuAfter0;
  const rssMb = sampler.peakMb(vm.pid);
  await vm.stop();
  await rm(dir, { recursive: true, force: true });
  log(
    `  run ${run + 1}: ${rate(samples, ms)} samples/s, ${cpu.toFixed(2)} CPU s, ${rssMb} MB (answered in ${Math.round(importMs)} ms with ${rowsAtAnswer} rows stored, ` +
      `all rows ${Math.round(rowsMs)} ms later, flush ${Math.round(ms - importMs - rowsMs)} ms; read back ${counted} samples of ${seriesCount} series)`,
  );
  return { ms, cpu, mergeCpu, rssMb, version: vm.version };
}

async function victoriaReference(scope, gen, samples) {
  ensureVictoriaMetrics();
  const runs = [];
  for (let run = 0; run < REPEAT; run++) runs.push(await victoriaRun(scope, gen, samples, run));
  const mid = runs.find((r) => r.ms === median(runs.map((x) => x.ms)));
  return { ...mid, runs };
}

async function committedSamples(db) {
  try {
    const r = await db.client.query('SELECT coalesce(sum(count), 0)::bigint AS n FROM metrics.rollup_10s');
    return Number(r.rows[0].n);
  } catch (e) {
    if (e.code === '42P01' || e.code === '3F000') return 0; // not migrated yet
    throw e;
  }
}

const ingestedOf = (page) => sumOf(page, 'vigil_metrics_ingest_samples_total');

/**
 * metrics-svc draining the preloaded stream. The clock starts when the service first asks
 * JetStream for messages, not when it reports ready: it may consume during its start-up.
 * That moment is seen passively: a plain subscription on the stream's pull-request subject
 * ($JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>) gets a copy of each request. It stops when
 * sum(count) of metrics.rollup_10s equals the samples published (never more: checked on the
 * way and again after 3 s).
 */
async function serviceDrain(scope, bus, samples) {
  const id = runId();
  const db = await createDatabase(scope, `vigil_bench_ingest_${id}`, { connect: true });
  const redisPrefix = `vigil-bench-ingest-${id}:`;
  registerRedisCleanup(scope, redisPrefix);

  let firstPull;
  const pids = await infraPids(db); // this database's backends appear with the service: counted whole
  const pulls = bus.nc.subscribe(`$JS.API.CONSUMER.MSG.NEXT.${bus.topology.streams.telemetry}.*`, { max: 1 });
  scope.add('unsubscribe from pull requests', () => pulls.unsubscribe());
  let svcPid;
  const sawPull = (async () => {
    for await (const msg of pulls) {
      const cpuNow = (list) => new Map(list.map((pid) => [pid, cpuSecondsSync(pid)]));
      firstPull = { t: now(), cpu: svcPid ? cpuSecondsSync(svcPid) : 0, consumer: msg.subject.split('.').pop() };
      firstPull.infra = { postgres: new Map(), redis: cpuNow(pids.redis), nats: cpuNow(pids.nats) };
    }
  })();
  await bus.nc.flush();

  log(`starting metrics-svc on the preloaded stream (database ${db.name})`);
  const m = await startMetricsSvc(scope, { topology: bus.topology, db, redisPrefix }, (svc) => {
    svcPid = svc.pid;
  });
  const { svc } = m;
  const atReady = ingestedOf(await scrape(m.metricsUrl).catch(() => [])) ?? 0;
  for (const deadline = now() + 30_000; !firstPull;) {
    if (now() > deadline)
      throw new Error(
        `metrics-svc asked for no message within 30 s of being ready (no pull request on ${bus.topology.streams.telemetry})`,
      );
    assertRunning(svc);
    await sleep(20);
  }
  await sawPull;
  const t0 = firstPull.t;
  log(
    `metrics-svc ready after ${Math.round(m.bootMs)} ms; first pull (consumer ${firstPull.consumer}) ${Math.round(m.readyAt - t0)} ms before ready; ` +
      `${atReady} samples ingested at ready`,
  );

  let committed = 0;
  let ingested;
  let lastSum = 0;
  let lastLog = now();
  let tDone;
  // Progress (ingested or committed) standing still: the longest such pause is reported.
  let progress = -1;
  let progressAt = t0;
  let longestStallMs = 0;
  for (;;) {
    assertRunning(svc);
    const t = now();
    ingested = ingestedOf(await scrape(m.metricsUrl).catch(() => []));
    const p = (ingested ?? 0) + committed;
    if (p !== progress) {
      progress = p;
      progressAt = t;
    } else if (t - progressAt > longestStallMs) {
      if (t - progressAt > 5000 && longestStallMs <= 5000)
        log(`  drain: no progress for 5 s (ingested ${ingested ?? 'n/a'}, committed ${committed})`);
      longestStallMs = t - progressAt;
    }
    if (ingested === undefined || ingested >= samples || t - lastSum > 2000) {
      committed = await committedSamples(db);
      lastSum = t;
      if (committed > samples)
        throw new Error(
          `exactly-once violated: metrics.rollup_10s counts ${committed} samples, ${samples} were published`,
        );
      if (committed === samples) {
        tDone = now();
        break;
      }
    }
    if (t - t0 > DRAIN_TIMEOUT_MS) {
      throw new Error(
        `metrics-svc did not drain within ${DRAIN_TIMEOUT_MS / 1000} s: ingested ${ingested ?? 'n/a (no vigil_metrics_ingest_samples_total)'}, committed ${committed} of ${samples}`,
      );
    }
    if (t - lastLog > 5000) {
      lastLog = t;
      log(
        `  drain: ingested ${ingested ?? 'n/a'}, committed ${committed} of ${samples} (${rate(committed, t - t0)} samples/s so far)`,
      );
    }
    await sleep(ingested !== undefined && ingested >= samples ? 50 : 250);
  }
  const cpu = (await cpuSeconds(svc.pid)) - firstPull.cpu;
  pids.postgres = (await infraPids(db)).postgres;
  const infra = infraCpuDelta(firstPull.infra, await infraCpu(pids));
  const drainMs = tDone - t0;
  log(`drained ${samples} samples in ${(drainMs / 1000).toFixed(1)} s; settling 3 s to check nothing more is written`);
  await sleep(3000);
  const settled = await committedSamples(db);
  if (settled !== samples)
    throw new Error(
      `exactly-once violated: after settling metrics.rollup_10s counts ${settled} samples, ${samples} were published`,
    );
  const dlq = (await bus.jsm.streams.info(bus.topology.streams.dlq)).state.messages;
  let redelivered = 0;
  for await (const c of bus.jsm.consumers.list(bus.topology.streams.telemetry)) redelivered += c.num_redelivered;
  await m.sampler.sample();
  return {
    drainMs,
    bootMs: m.bootMs,
    firstPullBeforeReadyMs: m.readyAt - t0,
    atReady,
    cpu,
    rssMb: m.sampler.peakMb(svc.pid),
    infra,
    dlq,
    redelivered,
    longestStallMs,
    series: Number((await db.client.query('SELECT count(*)::bigint AS n FROM metrics.series')).rows[0].n),
  };
}

async function drainRun(withService) {
  ensureVictoriaMetrics(); // before minutes of generating, not after
  if (withService && !existsSync(METRICS_MAIN))
    throw new Error(`${METRICS_MAIN} is missing: build first (npm run bench builds)`);
  const scope = new Scope('drain');
  try {
    const bus = await openBus(scope, {
      prefix: `bingest${runId()}`,
      partitions: PARTITIONS,
      name: 'vigil-bench-ingest',
    });
    const samples = NODES * TICKS * SERIES_PER_NODE;
    log(`generating ${NODES} nodes x ${TICKS} ticks x ${SERIES_PER_NODE} series = ${samples} samples`);
    let t = now();
    let gen = generate(bus.topology);
    log(
      `  ${gen.msgs.length} batches, ${mb(gen.busBytes)} MB of JSON, ${mb(gen.textBytes)} MB of Prometheus text, in ${((now() - t) / 1000).toFixed(1)} s`,
    );

    log(`preloading ${gen.msgs.length} batches into ${bus.topology.streams.telemetry}`);
    t = now();
    const duplicates = await preload(bus.js, gen.msgs);
    const state = (await bus.jsm.streams.info(bus.topology.streams.telemetry)).state;
    if (duplicates || state.messages !== gen.msgs.length)
      throw new Error(`the stream holds ${state.messages} messages of ${gen.msgs.length} (${duplicates} duplicates)`);
    log(`  ${state.messages} messages, ${mb(state.bytes)} MB stored, in ${((now() - t) / 1000).toFixed(1)} s`);
    const batches = gen.msgs.length;
    gen.msgs = undefined;

    log('bus ceiling: reading the stream back with an ordered consumer, then acking it with a durable one');
    const ceilings = [];
    for (let run = 0; run < REPEAT; run++) {
      ceilings.push(await busCeiling(bus, batches, gen.busBytes / batches));
      log(
        `  run ${run + 1}: read ${rate(batches, ceilings.at(-1).readMs)} msgs/s, acked ${rate(batches, ceilings.at(-1).ackedMs)} msgs/s`,
      );
    }
    const bus0 = {
      ...ceilings.find((c) => c.ackedMs === median(ceilings.map((x) => x.ackedMs))),
      readMs: median(ceilings.map((x) => x.readMs)),
      readEvents: Object.assign({}, ...ceilings.map((c) => c.readEvents)),
      ackedEvents: Object.assign({}, ...ceilings.map((c) => c.ackedEvents)),
      redelivered: ceilings.reduce((n, c) => n + c.redelivered, 0),
    };
    log(
      `  median: read ${rate(batches, bus0.readMs)} msgs/s, acked ${rate(batches, bus0.ackedMs)} msgs/s (pulls of ${bus0.maxMessages} messages)`,
    );
    const events = {
      ...Object.fromEntries(Object.entries(bus0.readEvents).map(([k, v]) => [`read_${k}`, v])),
      ...Object.fromEntries(Object.entries(bus0.ackedEvents).map(([k, v]) => [`acked_${k}`, v])),
    };
    if (Object.keys(events).length || bus0.redelivered)
      log(
        `  consumer notifications ${JSON.stringify(events)}, redelivered ${bus0.redelivered}: the ceiling is likely understated`,
      );

    log('VictoriaMetrics reference');
    const vm = await victoriaReference(scope, gen, samples);
    const textMb = mb(gen.textBytes);
    gen = undefined; // the text chunks can go
    log(`  median: ${rate(samples, vm.ms)} samples/s, ${vm.cpu.toFixed(2)} CPU s`);

    const result = {
      samples,
      nodes: NODES,
      ticks: TICKS,
      series_per_node: SERIES_PER_NODE,
      batches,
      partitions: PARTITIONS,
      stream_mb: mb(state.bytes),
      bus_ceiling_samples_per_s: rate(samples, bus0.ackedMs),
      bus_read_samples_per_s: rate(samples, bus0.readMs),
      bus_ceiling_nats_cpu_s: fixed(bus0.ackedNatsCpu, 2),
      bus_pull_messages: bus0.maxMessages,
      bus_consumer_notifications: events,
      bus_ceiling_runs_samples_per_s: ceilings.map((c) => rate(samples, c.ackedMs)),
      bus_read_runs_samples_per_s: ceilings.map((c) => rate(samples, c.readMs)),
      victoriametrics_samples_per_s: rate(samples, vm.ms),
      victoriametrics_cpu_s: fixed(vm.cpu, 2),
      // CPU is steadier than wall time on a shared machine: samples per CPU second of each run.
      victoriametrics_samples_per_cpu_s: Math.round(median(vm.runs.map((r) => samples / r.cpu))),
      victoriametrics_runs_samples_per_s: vm.runs.map((r) => rate(samples, r.ms)),
      victoriametrics_merge_cpu_3s_after: fixed(vm.mergeCpu, 2),
      victoriametrics_rss_mb: vm.rssMb,
      victoriametrics_version: vm.version,
      victoriametrics_text_mb: textMb,
    };
    if (withService) {
      const d = await serviceDrain(scope, bus, samples);
      const drainRate = samples / (Math.max(d.drainMs, 1) / 1000);
      Object.assign(result, {
        drain_samples_per_s: Math.round(drainRate),
        ratio_vs_victoriametrics: fixed(drainRate / result.victoriametrics_samples_per_s, 3),
        ratio_vs_bus_ceiling: fixed(drainRate / result.bus_ceiling_samples_per_s, 3),
        drain_s: fixed(d.drainMs / 1000, 2),
        metrics_svc_boot_ms: Math.round(d.bootMs),
        metrics_svc_first_pull_before_ready_ms: Math.round(d.firstPullBeforeReadyMs),
        metrics_svc_ingested_at_ready: d.atReady,
        metrics_svc_cpu_s: fixed(d.cpu, 2),
        drain_samples_per_cpu_s: Math.round(samples / d.cpu),
        cpu_ratio_vs_victoriametrics: fixed(samples / d.cpu / result.victoriametrics_samples_per_cpu_s, 3),
        metrics_svc_rss_mb: d.rssMb,
        metrics_svc_series: d.series,
        metrics_svc_dlq_messages: d.dlq,
        metrics_svc_redelivered: d.redelivered,
        metrics_svc_longest_stall_s: fixed(d.longestStallMs / 1000, 1),
        ...d.infra,
      });
      log(
        `metrics-svc: ${result.drain_samples_per_s} samples/s (${result.ratio_vs_victoriametrics} x VictoriaMetrics), ${result.metrics_svc_cpu_s} CPU s, ${result.metrics_svc_rss_mb} MB`,
      );
    }
    return result;
  } finally {
    await scope.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Live: a real-time fleet, stepped up

/** K publisher processes (bench/lib/live-publisher.js); `stats()` sums their latest reports. */
function startPublishers(scope, topology) {
  const procs = [];
  for (let k = 0; k < PUBLISHERS; k++) {
    const child = trackChild(
      spawn(process.execPath, [join(__dirname, 'lib', 'live-publisher.js')], {
        env: {
          ...process.env,
          NATS_URL: testUrls.nats,
          VIGIL_NATS_PREFIX: topology.prefix,
          VIGIL_PARTITIONS: String(topology.partitions),
          BENCH_PUBLISHER: String(k),
          BENCH_PUBLISHERS: String(PUBLISHERS),
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
    const p = {
      child,
      latest: undefined,
      reports: [],
      exited: new Promise((r) => child.once('exit', (code) => r(code))),
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        p.latest = JSON.parse(line);
        p.reports.push(p.latest);
        if (p.reports.length > 600) p.reports.shift();
      } catch {
        process.stderr.write(`[publisher ${k}] ${line}\n`);
      }
    });
    child.stderr.on('data', (c) => process.stderr.write(`[publisher ${k}] ${c}`));
    procs.push(p);
  }
  scope.add('stop the publishers', async () => {
    for (const p of procs) p.child.stdin.end();
    const timer = setTimeout(() => procs.forEach((p) => p.child.kill('SIGKILL')), 10_000);
    await Promise.all(procs.map((p) => p.exited));
    clearTimeout(timer);
  });
  return {
    setNodes(n) {
      for (const p of procs) p.child.stdin.write(`${JSON.stringify({ nodes: n })}\n`);
    },
    assertRunning() {
      for (const [k, p] of procs.entries())
        if (p.child.exitCode !== null) throw new Error(`publisher ${k} exited with ${p.child.exitCode}`);
    },
    totals() {
      const t = { acked: 0, failed: 0, inflight: 0, nodes: 0 };
      for (const p of procs) for (const key of Object.keys(t)) t[key] += p.latest?.[key] ?? 0;
      return t;
    },
    /** Worst lateness and error among the reports since `sinceMs` (epoch). */
    lateness(sinceMs) {
      let p99 = 0;
      let max = 0;
      let behind = 0;
      let inflight = 0;
      let lastError = '';
      for (const p of procs) {
        for (const r of p.reports) {
          if (r.t < sinceMs) continue;
          p99 = Math.max(p99, r.late_p99_ms);
          max = Math.max(max, r.late_max_ms);
          behind = Math.max(behind, r.behind_ms);
          inflight = Math.max(inflight, r.inflight);
          if (r.last_error) lastError = r.last_error;
        }
      }
      return { p99, max, behind, inflight, lastError };
    },
    async cpu() {
      let s = 0;
      for (const p of procs) s += await cpuSeconds(p.child.pid).catch(() => 0);
      return s;
    },
  };
}

async function liveRun() {
  const scope = new Scope('live');
  const steps = [];
  let stoppedBecause = 'every step held';
  try {
    const id = runId();
    const bus = await openBus(scope, { prefix: `bingest${id}`, partitions: PARTITIONS, name: 'vigil-bench-ingest' });
    const db = await createDatabase(scope, `vigil_bench_ingest_${id}`, { connect: true });
    const redisPrefix = `vigil-bench-ingest-${id}:`;
    registerRedisCleanup(scope, redisPrefix);
    log(`live: starting metrics-svc (database ${db.name})`);
    const m = await startMetricsSvc(scope, { topology: bus.topology, db, redisPrefix });
    const { svc } = m;
    const publishers = startPublishers(scope, bus.topology);
    const pids = await infraPids(db);

    const snapshot = async () => {
      // The service's count first, the stream's after: published - ingested is then never negative.
      const page = await scrape(m.metricsUrl);
      const info = await bus.jsm.streams.info(bus.topology.streams.telemetry);
      pids.postgres = (await infraPids(db)).postgres; // the pool may have opened connections since
      return {
        t: now(),
        epoch: Date.now(),
        page,
        lastSeq: info.state.last_seq,
        svcCpu: await cpuSeconds(svc.pid),
        pubCpu: await publishers.cpu(),
        infra: await infraCpu(pids),
        pub: publishers.totals(),
      };
    };

    for (const nodes of STEPS) {
      const target = nodes * SERIES_PER_NODE;
      log(
        `live step: ${nodes} nodes (${target} samples/s), ${WARMUP_MS / 1000} s warm-up + ${MEASURE_MS / 1000} s measured`,
      );
      publishers.setNodes(nodes);
      for (const end = now() + WARMUP_MS; now() < end;) {
        assertRunning(svc);
        publishers.assertRunning();
        await sleep(500);
      }
      const a = await snapshot();
      const rssPeak = m.sampler;
      rssPeak.reset();
      for (const end = now() + MEASURE_MS; now() < end;) {
        assertRunning(svc);
        publishers.assertRunning();
        await sleep(500);
      }
      const b = await snapshot();
      await rssPeak.sample();
      const dt = (b.t - a.t) / 1000;
      const ingA = ingestedOf(a.page);
      const ingB = ingestedOf(b.page);
      if (ingB === undefined) throw new Error('metrics-svc exposes no vigil_metrics_ingest_samples_total');
      const hist = histogramDelta(
        histogramOf(a.page, 'vigil_metrics_ingest_lag_seconds'),
        histogramOf(b.page, 'vigil_metrics_ingest_lag_seconds'),
      );
      if (!hist) throw new Error('metrics-svc exposes no vigil_metrics_ingest_lag_seconds histogram');
      const p50 = quantile(0.5, hist);
      const p99 = quantile(0.99, hist);
      const largestFinite = hist.buckets.filter((x) => x.le !== Infinity).at(-1)?.le;
      const streamRate = ((b.lastSeq - a.lastSeq) * SERIES_PER_NODE) / dt;
      const ingestRate = (ingB - ingA) / dt;
      const backlogA = a.lastSeq * SERIES_PER_NODE - ingA;
      const backlogB = b.lastSeq * SERIES_PER_NODE - ingB;
      const late = publishers.lateness(a.epoch);
      const step = {
        nodes,
        target_samples_per_s: target,
        published_samples_per_s: Math.round(streamRate),
        ingested_samples_per_s: Math.round(ingestRate),
        lag_p50_s: fixed(p50, 3),
        lag_p99_s: fixed(p99, 3),
        lag_p99_beyond_buckets:
          p99 !== undefined &&
          p99 === largestFinite &&
          hist.buckets.at(-1).count * 0.99 > (hist.buckets.at(-2)?.count ?? 0),
        lag_mean_s: hist.count > 0 ? fixed(hist.sum / hist.count, 3) : null,
        lag_observations: hist.count,
        backlog_start_samples: backlogA,
        backlog_end_samples: backlogB,
        metrics_svc_cpu_cores: fixed((b.svcCpu - a.svcCpu) / dt, 2),
        metrics_svc_rss_mb: rssPeak.peakMb(svc.pid),
        publisher_cpu_cores: fixed((b.pubCpu - a.pubCpu) / dt, 2),
        publisher_late_p99_ms: late.p99,
        publisher_late_max_ms: late.max,
        publisher_behind_max_ms: late.behind,
        publisher_inflight_max: late.inflight,
        publish_failures: b.pub.failed - a.pub.failed,
        loadavg_1m: Number(loadavg()[0].toFixed(2)),
        ...Object.fromEntries(
          Object.entries(infraCpuDelta(a.infra, b.infra)).map(([k, v]) => [
            k.replace(/_cpu_s$/, '_cpu_cores'),
            v === null ? null : fixed(v / dt, 2),
          ]),
        ),
      };
      const why = [];
      if (p99 === undefined || hist.count === 0) why.push('no lag observed');
      else if (p99 >= P99_LIMIT_S) why.push(`lag p99 ${step.lag_p99_s} s >= ${P99_LIMIT_S} s`);
      if (streamRate < 0.97 * target)
        why.push(
          `publisher short: ${step.published_samples_per_s} of ${target} samples/s${late.lastError ? ` (${late.lastError})` : ''}`,
        );
      // Lag is counted from the batch's timestamp: a late publisher inflates it, and that is the bench's doing.
      if (late.p99 >= (P99_LIMIT_S * 1000) / 4) why.push(`publisher late: p99 ${late.p99} ms behind the due time`);
      if (ingestRate < 0.95 * streamRate || backlogB - backlogA > 2 * target) {
        why.push(
          `backlog grows: ingested ${step.ingested_samples_per_s} of ${step.published_samples_per_s} samples/s, backlog ${backlogA} -> ${backlogB}`,
        );
      }
      step.held = why.length === 0;
      if (!step.held) step.failed_because = why.join('; ');
      steps.push(step);
      log(
        `  ${nodes} nodes: published ${step.published_samples_per_s}/s, ingested ${step.ingested_samples_per_s}/s, lag p50 ${step.lag_p50_s} s p99 ${step.lag_p99_s} s, ` +
          `svc ${step.metrics_svc_cpu_cores} cores ${step.metrics_svc_rss_mb} MB, publisher ${step.publisher_cpu_cores} cores late p99 ${late.p99} ms: ${step.held ? 'held' : `NOT held (${step.failed_because})`}`,
      );
      if (!step.held) {
        stoppedBecause = `${nodes} nodes: ${step.failed_because}`;
        break;
      }
    }
  } finally {
    await scope.close();
  }
  const best = steps.filter((s) => s.held).at(-1);
  return {
    live_nodes: best?.nodes ?? 0,
    live_samples_per_s: best?.ingested_samples_per_s ?? 0,
    lag_p50_s: best?.lag_p50_s ?? null,
    lag_p99_s: best?.lag_p99_s ?? null,
    live_stopped_because: stoppedBecause,
    live_warmup_s: WARMUP_MS / 1000,
    live_measure_s: MEASURE_MS / 1000,
    live_publishers: PUBLISHERS,
    live_steps: steps,
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  installSignalHandlers();
  // The machine is shared with whatever else runs: a high load average makes every figure noisy.
  const result = {
    bench: 'ingest',
    mode: opts.mode,
    cores: cpus().length,
    loadavg_1m_at_start: Number(loadavg()[0].toFixed(2)),
  };
  if (opts.mode !== 'live') Object.assign(result, await drainRun(opts.mode !== 'reference'));
  if (opts.mode === 'live' || opts.mode === 'both') Object.assign(result, await liveRun());
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
