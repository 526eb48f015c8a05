/**
 * A bench run's own bus, database and Redis prefix, each registered with the run's Scope so it
 * is removed whatever happens (error, SIGINT, SIGTERM).
 */
const { jetstream, jetstreamManager } = require('@nats-io/jetstream');
const { connect } = require('@nats-io/transport-node');
const { createTopology, deleteStreams, ensureStreams } = require('@vigil/contracts');
const { testUrls } = require('@vigil/test-support');
const { Redis } = require('ioredis');
const { Client } = require('pg');
const { pidsNamed } = require('./proc');

/**
 * A NATS connection, this run's topology and its streams, created with the defaults the
 * services' platform uses (so their own ensureStreams changes nothing).
 */
async function openBus(scope, { prefix, partitions, name }) {
  const nc = await connect({ servers: testUrls.nats.split(','), name });
  scope.add('close the NATS connection', () => nc.drain().catch(() => nc.close()));
  const jsm = await jetstreamManager(nc);
  const topology = createTopology(prefix, partitions);
  await ensureStreams(jsm, topology);
  scope.add(`delete the streams of prefix ${prefix}`, () => deleteStreams(jsm, topology));
  return { nc, jsm, js: jetstream(nc), topology };
}

/** A fresh database `name`, dropped at the end; with `connect`, also a client of the bench's own. */
async function createDatabase(scope, name, { connect: withClient = false } = {}) {
  const adminUrl = new URL(testUrls.postgresAdmin);
  adminUrl.pathname = '/postgres';
  const admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  scope.add(`drop database ${name}`, async () => {
    const c = new Client({ connectionString: adminUrl.toString() });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });
  const url = new URL(testUrls.postgresAdmin);
  url.pathname = `/${name}`;
  if (!withClient) return { name, url: url.toString() };
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  scope.add('close the bench Postgres connection', () => client.end());
  return { name, url: url.toString(), client };
}

/** Deletes every Redis key of `prefix` at the end of the run. */
function registerRedisCleanup(scope, prefix) {
  scope.add(`delete Redis keys ${prefix}*`, async () => {
    const redis = new Redis(testUrls.redis, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });
}

/**
 * Pids of the servers a service under measure works through, for their CPU next to its own:
 * this database's Postgres backends, redis-server and nats-server (shared servers: what else
 * runs on them in the window is counted too).
 */
async function infraPids(db) {
  const out = { postgres: [], redis: [], nats: pidsNamed('nats-server') };
  try {
    const r = await db.client.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
      db.name,
    ]);
    out.postgres = r.rows.map((x) => Number(x.pid));
  } catch {
    /* not visible: left out */
  }
  try {
    const redis = new Redis(testUrls.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const info = await redis.info('server');
    redis.disconnect();
    const m = /process_id:(\d+)/.exec(info);
    if (m) out.redis = [Number(m[1])];
  } catch {
    /* not visible: left out */
  }
  return out;
}

module.exports = { createDatabase, infraPids, openBus, registerRedisCleanup };
