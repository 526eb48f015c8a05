/** Single-node VictoriaMetrics (Debian's `victoria-metrics` package) as a reference ingester. */
const { spawn, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { trackChild } = require('./scope');

const VM_BINARY = '/usr/bin/victoria-metrics';
const log = (msg) => process.stderr.write(`${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The binary's path; installs the package when missing and running as root, else fails saying how. */
function ensureVictoriaMetrics() {
  if (existsSync(VM_BINARY)) return VM_BINARY;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${VM_BINARY} is missing: install Debian's package first (sudo apt-get install -y victoria-metrics)`,
    );
  }
  log('installing victoria-metrics (apt-get install -y victoria-metrics)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', 'victoria-metrics'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  if (r.status !== 0) {
    // A fresh machine has no package lists yet.
    spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'inherit', 'inherit'], env });
    r = spawnSync('apt-get', ['install', '-y', '-q', 'victoria-metrics'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env,
    });
  }
  if (r.status !== 0 || !existsSync(VM_BINARY))
    throw new Error('apt-get install victoria-metrics failed; install it by hand and run again');
  return VM_BINARY;
}

/**
 * Starts VictoriaMetrics on 127.0.0.1:`port` with its data in `dataDir`, and waits for /health.
 * `-search.maxUniqueTimeseries` is raised so that the verification query may touch every series.
 */
async function startVictoriaMetrics({ dataDir, port }) {
  const binary = ensureVictoriaMetrics();
  // Debian's build prints an empty -version; the package knows.
  const version =
    spawnSync('dpkg-query', ['-W', '-f=${Version}', 'victoria-metrics'], { encoding: 'utf8' }).stdout?.trim() ||
    spawnSync(binary, ['-version'], { encoding: 'utf8' }).stdout?.trim() ||
    'unknown';
  const child = trackChild(
    spawn(
      binary,
      [
        `-storageDataPath=${dataDir}`,
        `-httpListenAddr=127.0.0.1:${port}`,
        '-loggerLevel=ERROR',
        '-retentionPeriod=1y',
        '-search.maxUniqueTimeseries=100000000',
        '-search.maxSamplesPerQuery=10000000000',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
  const stderr = [];
  child.stderr.on('data', (c) => stderr.push(...c.toString().split('\n').filter(Boolean)));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`victoria-metrics exited:\n${stderr.slice(-20).join('\n')}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline)
      throw new Error(`victoria-metrics did not answer /health within 30 s:\n${stderr.slice(-20).join('\n')}`);
    await sleep(100);
  }
  return {
    url,
    pid: child.pid,
    version,
    stderr,
    /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

module.exports = { VM_BINARY, ensureVictoriaMetrics, startVictoriaMetrics };
