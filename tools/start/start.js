'use strict';
// `npm start`: the whole platform on this machine. Builds, makes sure NATS, Postgres and Redis
// answer (starting local ones when needed), creates the database, runs every service, waits until
// each is ready, then runs the node agent for this host and a simulated fleet. Ctrl-C stops it all.
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs, UsageError, USAGE } = require('./args');
const { build } = require('./build');
const { ROOT, STATE_DIR, loadConfig } = require('./config');
const { gatewayAuth } = require('./gateway-auth');
const { ensureDatabase } = require('./database');
const { waitUntilReady } = require('./health');
const { canConnect } = require('./net');
const { log } = require('./output');
const { ProcessGroup } = require('./processes');
const { ensureServers, redactUrl, stopServers } = require('./servers');

const MIN_NODE_MAJOR = 22;
const READY_TIMEOUT_MS = 90_000;
const PARENT_CHECK_MS = 1000;

const relative = (file) => path.relative(ROOT, file);

/** Owns everything started, and stops it exactly once, in order: processes, then servers. */
class Platform {
  constructor() {
    this.servers = [];
    this.cancelled = new AbortController();
    this.processes = new ProcessGroup({
      onUnexpectedExit: (name, how) => {
        log.error(`${name} ${how}: stopping everything`);
        this.stop(1);
      },
    });
    this.stopping = false;
  }

  async stop(exitCode) {
    if (this.stopping) return;
    this.stopping = true;
    this.cancelled.abort();
    await this.processes.stopAll();
    await stopServers(this.servers, log);
    process.exit(exitCode);
  }

  /** First Ctrl-C/SIGTERM: clean stop. A second one while stopping: kill the processes now. */
  onSignal(name) {
    if (this.stopping) {
      log.error(`${name} again: killing the remaining processes`);
      this.processes.killAll();
      return;
    }
    log.info(`${name}: stopping everything (press Ctrl-C again to force)`);
    this.stop(0);
  }
}

/** The environment of a process that connects to NATS as `identity` (its own user, when ours). */
function childEnv(config, bus, identity, extra = {}) {
  const ports = Object.fromEntries(config.services.map((s) => [s.portVar, String(s.port)]));
  const nats = bus.natsEnv(identity);
  // A development database kept across buses (its own nats-server's store was reset, or it now
  // uses another one): read models replay the bus they find instead of refusing to start.
  const dev = { VIGIL_PROJECTION_STREAM_RESET: 'rebuild' };
  const env = { ...dev, ...process.env, ...config.urls, ...ports, ...nats, ...extra };
  if (nats.NATS_PASSWORD_FILE) delete env.NATS_PASSWORD;
  return env;
}

function requireEntries(files) {
  const absent = files.filter((file) => !fs.existsSync(file));
  if (absent.length > 0) throw new Error(`the build produced no ${absent.map(relative).join(', ')}`);
}

async function run(options, platform) {
  const config = loadConfig();

  if (!options.check || !fs.existsSync(path.join(ROOT, 'libs', 'contracts', 'dist', 'index.js'))) {
    log.info('building (tsc -b tsconfig.build.json)');
    if (!build()) throw new Error('the build failed (compiler output above); nothing was started');
    requireEntries([
      ...config.services.map((s) => s.entry),
      ...(options.agent ? [config.agent.entry] : []),
      ...(options.sim > 0 ? [config.simulator.entry] : []),
    ]);
  }

  const { urls, bus } = await ensureServers(config, log, platform.servers, platform.cancelled.signal);
  if (platform.stopping) return;
  config.urls = urls;
  log.info(`bus: ${bus.description}`);
  const database = await ensureDatabase(config.urls.DATABASE_URL);
  log.info(database.created ? `created the database ${database.name}` : `the database ${database.name} exists`);
  if (options.check) {
    log.info('check done');
    return platform.stop(0);
  }

  for (const service of config.services) {
    if (await canConnect('127.0.0.1', service.port)) {
      throw new Error(
        `port ${service.port} (${service.portVar}, ${service.name}) is already in use: is Vigil already running?`,
      );
    }
  }
  const auth = gatewayAuth(STATE_DIR);
  for (const service of config.services) {
    if (platform.stopping) return;
    const env = childEnv(config, bus, service.name, service.name === 'gateway' ? auth.env : {});
    platform.processes.startNode(service.name, service.entry, [], env);
  }
  const notReady = await waitUntilReady(config.services, READY_TIMEOUT_MS);
  if (platform.stopping) return;
  if (notReady.length > 0) {
    const names = notReady.map((s) => `${s.name} (http://127.0.0.1:${s.port}/health/ready)`).join(', ');
    throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s: ${names}`);
  }

  if (options.agent) {
    fs.mkdirSync(config.agent.stateDir, { recursive: true });
    const env = childEnv(config, bus, 'agent', { VIGIL_AGENT_STATE_DIR: config.agent.stateDir });
    platform.processes.startNode(config.agent.name, config.agent.entry, [], env, { wave: 1 });
  }
  if (options.sim > 0) {
    const args = ['--nodes', String(options.sim)];
    const env = childEnv(config, bus, 'agent');
    platform.processes.startNode(config.simulator.name, config.simulator.entry, args, env, { wave: 1 });
  }

  const gateway = config.services.find((s) => s.name === 'gateway');
  log.info('Vigil is running');
  log.info(`  console:  http://127.0.0.1:${gateway.port}/ (user admin)`);
  log.info(`  nodes:    http://localhost:${gateway.port}/api/v1/nodes (log in first)`);
  log.info(
    auth.passwordFile
      ? `  log in:   npm run vigil -- login --url http://localhost:${gateway.port} --user admin --password-file ${relative(auth.passwordFile)}`
      : `  log in:   npm run vigil -- login --url http://localhost:${gateway.port} --user admin (the password is VIGIL_ADMIN_PASSWORD's)`,
  );
  log.info(`  bus:      ${bus.description}`);
  if (bus.login) log.info(`  NATS login: ${bus.login}`);
  log.info(`  Redis:    ${redactUrl(config.urls.REDIS_URL)}`);
  log.info(
    `  agent:    ${options.agent ? 'this machine' : 'off (--no-agent)'}; simulated nodes: ${options.sim || 'off'}`,
  );
  log.info('  Ctrl-C stops everything');
}

function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (major < MIN_NODE_MAJOR) {
    log.error(
      `Node ${process.versions.node} is too old: run \`npm start\`, which uses Node ${MIN_NODE_MAJOR} from node_modules/.bin.`,
    );
    process.exit(1);
  }

  const platform = new Platform();
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(name, () => platform.onSignal(name));
  // `npm start` runs us under `sh -c`; a SIGTERM to npm kills that shell but never reaches us.
  // Being orphaned means whoever started us is gone: stop too.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && platform.onSignal('parent process gone'), PARENT_CHECK_MS).unref();
  // Our children run in their own process groups, so nothing may end this process without stopping them.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => platform.stop(0));
  process.on('uncaughtException', (error) => {
    log.error(`start.js failed: ${error.stack ?? error}`);
    platform.stop(1);
  });
  run(options, platform).catch((error) => {
    log.error(error instanceof Error ? error.message : String(error));
    platform.stop(1);
  });
}

main();
