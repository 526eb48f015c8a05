/**
 * The alert bench's reference: Debian's Prometheus and Alertmanager on the same scenario. An
 * exporter in the bench serves `bench_value{node="..."}` for every node, each the value of the
 * node's latest tick (bench/lib/alert-plan.js: what the fleet publishes to Vigil); Prometheus
 * scrapes it and evaluates `bench_value > 50` held `for`; Alertmanager routes each alert (grouped
 * by alertname and node) to a webhook on the bench's receiver. Each stack has its own ports,
 * data directories (removed at the end) and no clustering.
 */
const { spawn, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { mkdtemp, rm, writeFile } = require('node:fs/promises');
const { createServer } = require('node:http');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { freePort } = require('@vigil/test-support');
const { BENCH_METRIC, THRESHOLD, tickAtOrBefore, valueAt } = require('./alert-plan');
const { nodeId } = require('./fleet50');
const { trackChild } = require('./scope');

const PROMETHEUS_BINARY = '/usr/bin/prometheus';
const ALERTMANAGER_BINARY = '/usr/bin/prometheus-alertmanager';
const ALERT_NAME = 'BenchValueHigh';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fails, saying how to install them, when Debian's Prometheus or Alertmanager is missing. */
function assertPrometheusInstalled() {
  const missing = [PROMETHEUS_BINARY, ALERTMANAGER_BINARY].filter((b) => !existsSync(b));
  if (missing.length) {
    throw new Error(
      `${missing.join(' and ')} missing: install Debian's packages (sudo apt-get install prometheus prometheus-alertmanager), or run with --skip-prometheus`,
    );
  }
}

function versionOf(binary) {
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return /version (\S+)/.exec(`${out.stdout}${out.stderr}`)?.[1] ?? 'unknown';
}

/** Prometheus' duration text for whole milliseconds. */
const promDuration = (ms) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** The exporter: `bench_value` of every node as of its latest tick. Counts its scrapes. */
async function startExporter(nodes, crossings) {
  const ids = Array.from({ length: nodes }, (_, i) => nodeId(i));
  const exporter = { scrapes: 0, port: await freePort() };
  const server = createServer((req, res) => {
    const now = Date.now();
    let body = `# HELP ${BENCH_METRIC} The alert bench's value.\n# TYPE ${BENCH_METRIC} gauge\n`;
    for (let i = 0; i < nodes; i++)
      body += `${BENCH_METRIC}{node="${ids[i]}"} ${valueAt(i, tickAtOrBefore(i, now), crossings.get(i))}\n`;
    exporter.scrapes++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(exporter.port, '127.0.0.1', resolve);
  });
  exporter.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return exporter;
}

/** A child process whose output is kept (its tail is shown if it fails) and that stops with SIGTERM, then SIGKILL. */
function startChild(binary, args) {
  const child = trackChild(spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const lines = [];
  const keep = (c) => {
    lines.push(...c.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return {
    child,
    lines,
    running: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitReady(name, proc, url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.running()) throw new Error(`${name} exited:\n${proc.lines.slice(-20).join('\n')}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline)
      throw new Error(`${name} not ready at ${url} within ${timeoutMs} ms:\n${proc.lines.slice(-20).join('\n')}`);
    await sleep(100);
  }
}

/**
 * Starts one stack: the exporter for `crossings` (Map index → crossing tick), Alertmanager
 * routing to `webhookUrl`, Prometheus scraping the exporter every `scrapeMs` and evaluating
 * every `evalMs`. Everything it starts is registered on `scope`.
 */
async function startPrometheusStack(
  scope,
  { name, nodes, crossings, forMs, scrapeMs, evalMs, groupWaitMs, groupIntervalMs, webhookUrl },
) {
  assertPrometheusInstalled();
  const dir = await mkdtemp(join(tmpdir(), `vigil-alert-bench-${name}-`));
  scope.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const exporter = await startExporter(nodes, crossings);
  scope.add(`stop the ${name} exporter`, () => exporter.close());

  const amPort = await freePort();
  await writeFile(
    join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: bench',
      '  group_by: [alertname, node]',
      `  group_wait: ${promDuration(groupWaitMs)}`,
      `  group_interval: ${promDuration(groupIntervalMs)}`,
      '  repeat_interval: 4h',
      'receivers:',
      '  - name: bench',
      '    webhook_configs:',
      `      - url: ${webhookUrl}`,
      '        send_resolved: false',
      '',
    ].join('\n'),
  );
  const am = startChild(ALERTMANAGER_BINARY, [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'alertmanager')}`,
    `--web.listen-address=127.0.0.1:${amPort}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ]);
  scope.add(`stop the ${name} Alertmanager`, () => am.stop());
  await waitReady(`${name} Alertmanager`, am, `http://127.0.0.1:${amPort}/-/ready`);

  const promPort = await freePort();
  await writeFile(
    join(dir, 'rules.yml'),
    [
      'groups:',
      '  - name: bench',
      '    rules:',
      `      - alert: ${ALERT_NAME}`,
      `        expr: ${BENCH_METRIC} > ${THRESHOLD}`,
      `        for: ${promDuration(forMs)}`,
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      `  scrape_interval: ${promDuration(scrapeMs)}`,
      `  scrape_timeout: ${promDuration(Math.min(scrapeMs, 10_000))}`,
      `  evaluation_interval: ${promDuration(evalMs)}`,
      'rule_files:',
      `  - ${join(dir, 'rules.yml')}`,
      'alerting:',
      '  alertmanagers:',
      '    - static_configs:',
      `        - targets: ['127.0.0.1:${amPort}']`,
      'scrape_configs:',
      '  - job_name: bench',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${exporter.port}']`,
      '',
    ].join('\n'),
  );
  const prom = startChild(PROMETHEUS_BINARY, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'prometheus')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--log.level=warn',
  ]);
  scope.add(`stop the ${name} Prometheus`, () => prom.stop());
  const promUrl = `http://127.0.0.1:${promPort}`;
  await waitReady(`${name} Prometheus`, prom, `${promUrl}/-/ready`);
  // Prometheus knows its Alertmanager once service discovery has run (static: at once).
  for (const deadline = Date.now() + 15_000; ;) {
    const r = await fetch(`${promUrl}/api/v1/alertmanagers`).then(
      (x) => x.json(),
      () => undefined,
    );
    if (r?.data?.activeAlertmanagers?.length) break;
    if (Date.now() > deadline)
      throw new Error(`${name} Prometheus found no Alertmanager within 15 s:\n${prom.lines.slice(-20).join('\n')}`);
    await sleep(100);
  }
  return {
    exporter,
    promUrl,
    assertRunning() {
      if (!prom.running()) throw new Error(`${name} Prometheus exited:\n${prom.lines.slice(-20).join('\n')}`);
      if (!am.running()) throw new Error(`${name} Alertmanager exited:\n${am.lines.slice(-20).join('\n')}`);
    },
  };
}

module.exports = {
  ALERT_NAME,
  PROMETHEUS_BINARY,
  ALERTMANAGER_BINARY,
  assertPrometheusInstalled,
  startPrometheusStack,
  versionOf,
};
