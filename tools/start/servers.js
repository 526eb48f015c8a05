'use strict';
// NATS, Postgres and Redis: use the ones that answer, start local ones that don't.
// Local servers keep their data under .vigil/ and are stopped again when start.js exits.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { STATE_DIR } = require('./config');
const { canConnect, hostPort, isLocalHost, waitFor } = require('./net');
const { terminate, describeExit } = require('./processes');
const secure = require('./secure-servers');

const READY_TIMEOUT_MS = 30_000;

class ServerError extends Error {}

/** Finds an executable on the PATH, then in the extra directories. */
function findBinary(name, extraDirs = []) {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean).concat(extraDirs);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** /usr/lib/postgresql/<version>/bin, newest first: Debian keeps initdb and pg_ctl there. */
function postgresBinDirs() {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return [];
  return fs
    .readdirSync(base)
    .filter((version) => /^\d+(\.\d+)?$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => path.join(base, version, 'bin'));
}

function missing(what, debianPackage, urlVar) {
  return new ServerError(
    `${what} is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y ${debianPackage}) ` +
      `or set ${urlVar} to a running server.`,
  );
}

function tail(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts a server that runs in the foreground as our child, then waits until its port answers. */
async function startChildServer({ name, binary, args, host, port, logFile, started }) {
  const child = spawn(binary, args, { detached: true, stdio: 'ignore' });
  started.push({ name, stop: () => terminate(child) });
  let failure = null;
  child.once('error', (error) => (failure = error.message));
  child.once('exit', (code, signalName) => (failure = `exited with ${describeExit(code, signalName)}`));
  const ready = await waitFor(() => failure !== null || canConnect(host, port), { timeoutMs: READY_TIMEOUT_MS });
  if (failure !== null || !ready) {
    await terminate(child);
    throw new ServerError(
      `${name} did not start (${failure ?? 'no answer on its port'}). Its log, ${logFile}:\n${tail(logFile)}`,
    );
  }
}

function startNats({ host, port, started }) {
  const binary = findBinary('nats-server');
  if (!binary) throw missing('nats-server', 'nats-server', 'NATS_URL');
  const storeDir = path.join(STATE_DIR, 'nats');
  const logFile = path.join(STATE_DIR, 'nats.log');
  fs.mkdirSync(storeDir, { recursive: true });
  const args = ['-a', host, '-p', String(port), '-js', '-sd', storeDir, '-l', logFile];
  return startChildServer({ name: 'NATS', binary, args, host, port, logFile, started });
}

/** Our own nats-server with JetStream and authorization (config generated from libs/contracts). */
async function startSecureNats({ host, port, topology, started }) {
  const binary = findBinary('nats-server');
  if (!binary) throw missing('nats-server', 'nats-server', 'NATS_URL');
  const dir = path.join(STATE_DIR, 'nats-auth');
  const logFile = path.join(dir, 'nats.log');
  const configFile = path.join(dir, 'nats.conf');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  secure.writePrivate(
    configFile,
    secure.natsServerConfig({ host, port, storeDir: path.join(dir, 'jetstream'), topology }),
  );
  await startChildServer({
    name: 'NATS',
    binary,
    args: ['-c', configFile, '-l', logFile],
    host,
    port,
    logFile,
    started,
  });
  return configFile;
}

/** Our own Redis with `requirepass` (the password under .vigil/secrets/, never on a command line). */
async function startSecureRedis({ host, port, started }) {
  const binary = findBinary('redis-server');
  if (!binary) throw missing('redis-server', 'redis-server', 'REDIS_URL');
  const dir = path.join(STATE_DIR, 'redis-auth');
  const logFile = path.join(dir, 'redis.log');
  const configFile = path.join(dir, 'redis.conf');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  secure.writePrivate(configFile, secure.redisConfig({ host, port, dir, logFile }));
  await startChildServer({ name: 'Redis', binary, args: [configFile], host, port, logFile, started });
}

function startRedis({ host, port, started }) {
  const binary = findBinary('redis-server');
  if (!binary) throw missing('redis-server', 'redis-server', 'REDIS_URL');
  const dir = path.join(STATE_DIR, 'redis');
  const logFile = path.join(dir, 'redis.log');
  fs.mkdirSync(dir, { recursive: true });
  const args = [
    '--bind',
    host,
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--logfile',
    logFile,
  ];
  return startChildServer({ name: 'Redis', binary, args, host, port, logFile, started });
}

function postgresAccount() {
  const id = (flag) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) {
    throw new ServerError('Running as root, but there is no postgres user to run Postgres as (Postgres refuses root).');
  }
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/**
 * Postgres is started with pg_ctl, which puts the server in the background itself. Postgres refuses
 * to run as root: as root, initdb and pg_ctl run as the `postgres` user, who owns the data folder.
 */
async function startPostgres({ host, port, user, started }) {
  const dirs = postgresBinDirs();
  const initdb = findBinary('initdb', dirs);
  const pgCtl = findBinary('pg_ctl', dirs);
  if (!initdb || !pgCtl) throw missing('Postgres (initdb, pg_ctl)', 'postgresql', 'DATABASE_URL');

  const dataDir = path.join(STATE_DIR, 'pg');
  const logFile = path.join(STATE_DIR, 'pg.log');
  const owner = process.getuid() === 0 ? postgresAccount() : null;
  const run = (binary, args) => {
    const [command, commandArgs] = owner ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
    return spawnSync(command, commandArgs, { cwd: '/', encoding: 'utf8' });
  };
  const failed = (what, result, extra = '') =>
    new ServerError(
      `${what} failed (${result.error?.message ?? `code ${result.status}`}):\n${result.stdout}${result.stderr}${extra}`,
    );

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (owner) fs.chownSync(dataDir, owner.uid, owner.gid);
    const result = run(initdb, ['-D', dataDir, '-U', user, '--auth=trust', '--encoding=UTF8', '--no-instructions']);
    if (result.status !== 0) {
      throw failed('initdb', result, owner ? `\nThe postgres user must be able to reach ${dataDir}.` : '');
    }
  }
  fs.closeSync(fs.openSync(logFile, 'a'));
  if (owner) fs.chownSync(logFile, owner.uid, owner.gid);

  // TCP only (no Unix socket): nothing is created outside .vigil/ and no socket path length limit.
  const serverOptions = `-c listen_addresses=${host} -p ${port} -c unix_socket_directories=''`;
  const result = run(pgCtl, ['-D', dataDir, '-l', logFile, '-o', serverOptions, '-w', '-t', '60', 'start']);
  if (result.status !== 0) throw failed('pg_ctl start', result, `\nIts log, ${logFile}:\n${tail(logFile)}`);
  started.push({ name: 'Postgres', stop: async () => run(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop']) });
}

const SERVERS = [
  { name: 'NATS', urlVar: 'NATS_URL', defaultPort: 4222, start: startNats },
  { name: 'Postgres', urlVar: 'DATABASE_URL', defaultPort: 5432, start: startPostgres },
  { name: 'Redis', urlVar: 'REDIS_URL', defaultPort: 6379, start: startRedis },
];

/** A server at a URL the user gave: used when it answers, started (as before, without auth) when local. */
async function ensureGivenServer(server, url, log, started) {
  const { host, port } = hostPort(url, server.defaultPort);
  if (await canConnect(host, port)) {
    log.info(`${server.name} is up at ${host}:${port}`);
    return;
  }
  if (!isLocalHost(host))
    throw new ServerError(`${server.name} at ${host}:${port} (${server.urlVar}) does not answer.`);
  log.info(`${server.name} does not answer on ${host}:${port}: starting a local one (data in .vigil/)`);
  const user = decodeURIComponent(new URL(url).username) || 'postgres';
  await server.start({ host, port, user, started });
  log.info(`${server.name} started on ${host}:${port}`);
}

const LOCAL = '127.0.0.1';

/** Says why a server is not on its default port. */
function portNote(preferred, port) {
  return port === preferred ? '' : ` (${preferred} is taken by another server)`;
}

/**
 * Makes sure every server answers. Each server it starts is added to `started` (with stop()) as
 * soon as its process exists, so whoever stops the platform meanwhile stops it too. Throws a
 * ServerError saying what to do when a server is neither reachable nor startable.
 *
 * NATS and Redis named by NATS_URL/REDIS_URL are used as they are (with NATS_USER and
 * NATS_PASSWORD/NATS_PASSWORD_FILE from the environment for every process, when set). Unnamed, the
 * platform runs its own, with authentication: returns the URLs every process uses, a description
 * of the bus, and `natsEnv(identity)`, the NATS user of each process.
 */
async function ensureServers(config, log, started, cancelled) {
  const urls = { ...config.urls };
  const bus = { natsEnv: () => ({}), description: '', login: '' };
  const topology = secure.contracts().createTopology(config.natsPrefix, config.partitions);

  if (config.given.NATS_URL) {
    await ensureGivenServer(SERVERS[0], urls.NATS_URL, log, started);
    const credentials = config.natsCredentials;
    bus.description = `${redactUrl(urls.NATS_URL)} (NATS_URL), ${credentials ? `user ${credentials.user} for every process` : 'anonymous'}`;
    if (credentials) {
      await secure.provisionNats(urls.NATS_URL, topology, credentials).catch((error) => {
        log.info(`could not provision the streams as ${credentials.user} (${error.message}); they must exist`);
      });
    }
  } else {
    const port = await secure.choosePort(LOCAL, 4222);
    if (cancelled.aborted) return { urls, bus };
    log.info(`starting NATS with authorization on ${LOCAL}:${port}${portNote(4222, port)}`);
    const configFile = await startSecureNats({ host: LOCAL, port, topology, started });
    urls.NATS_URL = `nats://${LOCAL}:${port}`;
    const admin = secure.natsEnv('admin');
    await secure.provisionNats(urls.NATS_URL, topology, {
      user: 'admin',
      pass: fs.readFileSync(admin.NATS_PASSWORD_FILE, 'utf8').trim(),
    });
    log.info('provisioned the streams and the agent-config bucket as admin');
    bus.natsEnv = secure.natsEnv;
    bus.description = `${urls.NATS_URL} (own nats-server with authorization, ${path.relative(config.root, configFile)})`;
    bus.login = `user admin, password in ${path.relative(config.root, admin.NATS_PASSWORD_FILE)}`;
  }

  if (cancelled.aborted) return { urls, bus };
  await ensureGivenServer(SERVERS[1], urls.DATABASE_URL, log, started);

  if (cancelled.aborted) return { urls, bus };
  if (config.given.REDIS_URL) {
    await ensureGivenServer(SERVERS[2], urls.REDIS_URL, log, started);
  } else {
    const port = await secure.choosePort(LOCAL, 6379);
    log.info(`starting Redis with a password on ${LOCAL}:${port}${portNote(6379, port)}`);
    await startSecureRedis({ host: LOCAL, port, started });
    urls.REDIS_URL = secure.redisUrl(LOCAL, port);
  }
  return { urls, bus };
}

/** The URL with its password masked, for printing. */
function redactUrl(url) {
  return url.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:[REDACTED]@');
}

/** Stops (and forgets) the servers in `started`, the last started first. */
async function stopServers(started, log) {
  for (const server of started.splice(0).reverse()) {
    log.info(`stopping the local ${server.name}`);
    await server.stop();
  }
}

module.exports = { ensureServers, stopServers, ServerError, redactUrl };
