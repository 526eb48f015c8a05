'use strict';
/**
 * The chaos run's private Postgres and Redis: each in its own temporary folder, on a free port,
 * started, stopped and restarted by the driver. The shared servers (5432, 6379) are never touched.
 * Postgres: initdb + pg_ctl (as the postgres user when run as root, as Postgres refuses root).
 * Redis: redis-server with a password, no persistence (a restart loses every key, as a Redis
 * without AOF does).
 */
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const POSTGRES_BIN_DIRS = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];

/** A binary on the PATH or in `extra`; throws (never skips) when it is missing. */
function findBinary(name, extra = [], debianPackage = name) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...extra, '/usr/sbin', '/usr/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`${name} is not installed (Debian package "${debianPackage}"): the chaos run needs it`);
}

/** Resolves once 127.0.0.1:port accepts a connection, or throws after timeoutMs. */
async function waitForPort(port, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} does not answer on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A private Postgres cluster: `start()`, `crash()` (immediate stop, no checkpoint), `destroy()`. */
class PrivatePostgres {
  constructor(dir, port) {
    this.dir = dir;
    this.port = port;
    this.dataDir = path.join(dir, 'data');
    this.logFile = path.join(dir, 'postgres.log');
    this.initdb = findBinary('initdb', POSTGRES_BIN_DIRS, 'postgresql');
    this.pgCtl = findBinary('pg_ctl', POSTGRES_BIN_DIRS, 'postgresql');
    this.owner = process.getuid?.() === 0 ? postgresAccount() : null;
  }

  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/vigil`;
  }

  get adminUrl() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  run(binary, args) {
    const [command, commandArgs] = this.owner ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
    return spawnSync(command, commandArgs, { cwd: '/', encoding: 'utf8' });
  }

  async init() {
    fs.mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    fs.closeSync(fs.openSync(this.logFile, 'a'));
    if (this.owner) {
      // The temporary parent is root's (0700): the postgres user must be able to pass through it.
      fs.chmodSync(path.dirname(this.dir), 0o711);
      fs.chmodSync(this.dir, 0o711);
      fs.chownSync(this.dataDir, this.owner.uid, this.owner.gid);
      fs.chownSync(this.logFile, this.owner.uid, this.owner.gid);
    }
    const r = this.run(this.initdb, [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--no-instructions',
      '--no-sync',
    ]);
    if (r.status !== 0) throw new Error(`initdb failed: ${r.stdout}${r.stderr}`);
    await this.start();
    const { Client } = require('pg');
    const client = new Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      await client.query('CREATE DATABASE vigil');
    } finally {
      await client.end();
    }
  }

  async start() {
    // TCP only, no Unix socket; fsync off: the run measures Vigil, not the disk.
    const options = `-c listen_addresses=127.0.0.1 -p ${this.port} -c unix_socket_directories='' -c fsync=off -c max_connections=200`;
    const r = this.run(this.pgCtl, ['-D', this.dataDir, '-l', this.logFile, '-o', options, '-w', '-t', '60', 'start']);
    if (r.status !== 0) throw new Error(`pg_ctl start failed: ${r.stdout}${r.stderr}\n${tail(this.logFile)}`);
  }

  /** An immediate shutdown: every connection is cut, the next start runs crash recovery. */
  async crash() {
    this.run(this.pgCtl, ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  async stop() {
    this.run(this.pgCtl, ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
  }

  /** The postmaster's pid, for RSS readings; undefined when it is not running. */
  pid() {
    try {
      return Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  }
}

function postgresAccount() {
  const id = (flag) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) throw new Error('running as root, but there is no postgres user');
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/** A private redis-server with a password: `start()`, `kill()` (SIGKILL: every key is lost). */
class PrivateRedis {
  constructor(dir, port) {
    this.dir = dir;
    this.port = port;
    this.password = randomBytes(18).toString('base64url');
    this.logFile = path.join(dir, 'redis.log');
    this.binary = findBinary('redis-server', [], 'redis-server');
    this.child = undefined;
  }

  get url() {
    return `redis://:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}`;
  }

  async start() {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const configFile = path.join(this.dir, 'redis.conf');
    fs.writeFileSync(
      configFile,
      [
        'bind 127.0.0.1',
        `port ${this.port}`,
        `requirepass ${this.password}`,
        'save ""',
        'appendonly no',
        `dir ${this.dir}`,
        `logfile ${this.logFile}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const child = spawn(this.binary, [configFile], { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', resolve));
    await waitForPort(this.port, 15_000, 'redis-server').catch((e) => {
      throw new Error(`${e.message}\n${tail(this.logFile)}`);
    });
  }

  async kill() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  pid() {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }
}

module.exports = { PrivatePostgres, PrivateRedis, findBinary, waitForPort };
