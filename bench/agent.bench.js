/**
 * The node agent's footprint next to Debian's prometheus-node-exporter (default collectors),
 * both running on this host over the same window: the agent with every collector at 1 s
 * publishing to the local NATS, node_exporter scraped by this bench every second. CPU
 * seconds (utime + stime, the agent's waited-for children included) and RSS (VmRSS, sampled
 * each second) of each; series: the distinct (name, labels) in the agent's batches over the
 * run, and the sample lines of one node_exporter scrape. The agent's mean RSS over the first and
 * the last tenth of the window shows whether it keeps growing.
 *
 *   npm run bench -- agent [--seconds 60] [--dist]
 *
 * The agent runs as deployed: from the bundle copied alone into a temporary directory (built
 * first), with the Node.js flags and the Environment= lines of the systemd unit; --dist runs
 * apps/node-agent/dist/main.js.
 */
const { spawn, spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { copyFile, mkdtemp, readFile, rm, writeFile } = require('node:fs/promises');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { CollectorName, decodeSampleBatch } = require('@vigil/contracts');
const { createTestBus, eventually, freePort, repoRoot, ServiceProcess, testUrls } = require('@vigil/test-support');
const { bundle } = require('../apps/node-agent/deploy/bundle');

const SECONDS = (() => {
  const i = process.argv.indexOf('--seconds');
  return i > 0 ? Number(process.argv[i + 1]) : 60;
})();
const USE_DIST = process.argv.includes('--dist');
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const UNIT = readFileSync(join(repoRoot, 'apps', 'node-agent', 'deploy', 'vigil-agent.service'), 'utf8');
/** What vigil-agent.service passes to node before the script, e.g. `--max-semi-space-size=1`. */
const NODE_FLAGS = /^ExecStart=\S+ (.*?) ?\/usr\/lib\/vigil-agent\/vigil-agent\.js$/m.exec(UNIT)[1];
/** The unit's `Environment=NAME=value` lines (malloc settings among them); the bench sets its own config and state paths over them. */
const UNIT_ENV = Object.fromEntries(
  [...UNIT.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]]),
);
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
const log = (msg) => process.stderr.write(`${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (kb) => Number((kb / 1024).toFixed(1));

/** CPU seconds from /proc/<pid>/stat: utime + stime, and cutime + cstime when `children`. */
async function cpuSeconds(pid, children) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces; utime is field 14.
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const ticks = f[11] + f[12] + (children ? f[13] + f[14] : 0);
  return ticks / CLOCK_TICKS;
}

async function rssKb(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]);
}

/** Prometheus text: every line that is neither a comment nor blank is one sample. */
const sampleLines = (page) => page.split('\n').filter((line) => line && !line.startsWith('#')).length;

async function agentSeries(bus) {
  // One subject as a string: NATS 2.9 knows only filter_subject (nats.js maps it).
  const consumer = await bus.js.consumers.get(bus.topology.streams.telemetry, {
    filter_subjects: bus.topology.subjects.allSamples(),
  });
  const series = new Set();
  let batches = 0;
  for (let m = await consumer.next({ expires: 2000 }); m; m = await consumer.next({ expires: 2000 })) {
    batches++;
    for (const s of decodeSampleBatch(m.data).samples) {
      const labels = Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b));
      series.add(`${s.name}${JSON.stringify(labels)}`);
    }
    if (m.info.pending === 0) break;
  }
  return { series: series.size, batches };
}

async function startAgent(bus, dir) {
  let entry = join(repoRoot, 'apps', 'node-agent', 'dist', 'main.js');
  if (!USE_DIST) {
    log('bundling the agent');
    entry = join(dir, 'vigil-agent.js');
    await copyFile(await bundle(), entry);
  }
  const metricsPort = await freePort();
  const collectors = Object.fromEntries(
    CollectorName.options.map((name) => [name, { enabled: true, intervalMs: 1000 }]),
  );
  // JSON is YAML.
  const config = { sampleIntervalMs: 1000, collectors, metrics: { host: '127.0.0.1', port: metricsPort } };
  await writeFile(join(dir, 'agent.yaml'), JSON.stringify(config, null, 2));
  const agent = new ServiceProcess(
    'node-agent',
    {
      ...UNIT_ENV,
      NATS_URL: testUrls.nats,
      VIGIL_NATS_PREFIX: bus.topology.prefix,
      VIGIL_AGENT_CONFIG: join(dir, 'agent.yaml'),
      VIGIL_AGENT_STATE_DIR: dir,
      LOG_LEVEL: 'warn',
    },
    entry,
    // On the command line as ExecStart has them: NODE_OPTIONS refuses most V8 flags.
    NODE_FLAGS.split(' ').filter(Boolean),
  ).start();
  log(
    `agent: ${USE_DIST ? 'dist' : 'bundle'} with node ${NODE_FLAGS} and ${JSON.stringify(UNIT_ENV)}, /metrics on ${metricsPort}; waiting for its first batch`,
  );
  await eventually(
    async () => {
      if (!agent.running()) throw new Error(`the agent exited:\n${agent.lines.slice(-20).join('\n')}`);
      const page = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      return /^vigil_agent_batches_sent_total\{[^}]*\} [1-9]/m.test(page);
    },
    { timeoutMs: 30_000, what: 'the agent sending a batch' },
  );
  return agent;
}

async function startNodeExporter() {
  const port = await freePort();
  const child = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = `http://127.0.0.1:${port}/metrics`;
  await eventually(async () => (await fetch(url).catch(() => undefined))?.status === 200, {
    timeoutMs: 10_000,
    what: 'node_exporter',
  });
  return { child, url };
}

async function main() {
  const bus = await createTestBus();
  const dir = await mkdtemp(join(tmpdir(), 'vigil-agent-bench-'));
  let agent;
  let exporter;
  try {
    agent = await startAgent(bus, dir);
    exporter = await startNodeExporter();
    await sleep(2000);

    log(`measuring both for ${SECONDS} s`);
    const pids = { agent: agent.pid, exporter: exporter.child.pid };
    const rss = { agent: [], exporter: [] };
    const started = Date.now();
    const cpu0 = { agent: await cpuSeconds(pids.agent, true), exporter: await cpuSeconds(pids.exporter, false) };
    let lastScrape = '';
    // A scrape node_exporter does not answer within a second is counted and given up (seen on
    // runs of several minutes: one scrape unanswered for fetch's whole 300 s header timeout).
    let failedScrapes = 0;
    for (let tick = 1; tick <= SECONDS; tick++) {
      try {
        lastScrape = await fetch(exporter.url, { signal: AbortSignal.timeout(1000) }).then((r) => r.text());
      } catch (e) {
        failedScrapes++;
        log(`node_exporter scrape ${tick} failed: ${e.message}`);
      }
      rss.agent.push(await rssKb(pids.agent));
      rss.exporter.push(await rssKb(pids.exporter));
      await sleep(started + tick * 1000 - Date.now());
    }
    const cpu1 = { agent: await cpuSeconds(pids.agent, true), exporter: await cpuSeconds(pids.exporter, false) };
    const durationS = (Date.now() - started) / 1000;
    await agent.stop();
    const { series, batches } = await agentSeries(bus);
    log(`${batches} batches in the stream`);

    const agentCpu = cpu1.agent - cpu0.agent;
    const exporterCpu = cpu1.exporter - cpu0.exporter;
    const avg = (values) => values.reduce((a, b) => a + b, 0) / values.length;
    const tenth = Math.ceil(rss.agent.length / 10);
    console.log(
      JSON.stringify({
        bench: 'agent',
        agent: USE_DIST ? 'dist' : 'bundle',
        agent_node_flags: NODE_FLAGS,
        agent_unit_env: UNIT_ENV,
        duration_s: Number(durationS.toFixed(1)),
        agent_cpu_s: Number(agentCpu.toFixed(2)),
        node_exporter_cpu_s: Number(exporterCpu.toFixed(2)),
        cpu_ratio: Number((agentCpu / exporterCpu).toFixed(3)),
        agent_rss_mb: mb(Math.max(...rss.agent)),
        agent_rss_avg_mb: mb(avg(rss.agent)),
        // The trend: a heap that is never collected shows as a last tenth above the first.
        agent_rss_first_tenth_mb: mb(avg(rss.agent.slice(0, tenth))),
        agent_rss_last_tenth_mb: mb(avg(rss.agent.slice(-tenth))),
        node_exporter_rss_mb: mb(Math.max(...rss.exporter)),
        node_exporter_rss_avg_mb: mb(avg(rss.exporter)),
        agent_series: series,
        node_exporter_series: sampleLines(lastScrape),
        agent_batches: batches,
        node_exporter_failed_scrapes: failedScrapes,
      }),
    );
  } finally {
    await agent?.stop();
    exporter?.child.kill('SIGTERM');
    await bus.jsm.streams.delete(`KV_${bus.topology.buckets.agentConfig}`).catch(() => undefined);
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
