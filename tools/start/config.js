'use strict';
// Where things are and which settings the platform runs with (environment variables over defaults).
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const STATE_DIR = path.join(ROOT, '.vigil');

const SERVICES = [
  { name: 'registry-svc', portVar: 'VIGIL_REGISTRY_PORT', port: 8081 },
  { name: 'metrics-svc', portVar: 'VIGIL_METRICS_PORT', port: 8082 },
  { name: 'alert-svc', portVar: 'VIGIL_ALERT_PORT', port: 8083 },
  { name: 'backup-svc', portVar: 'VIGIL_BACKUP_PORT', port: 8084 },
  { name: 'gateway', portVar: 'VIGIL_GATEWAY_PORT', port: 8080 },
];

const DEFAULT_URLS = {
  NATS_URL: 'nats://127.0.0.1:4222',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/vigil',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

function parsePort(name, value, fallback) {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${value} is not a TCP port`);
  return port;
}

/** NATS_USER with NATS_PASSWORD or NATS_PASSWORD_FILE, for a NATS server named by NATS_URL. */
function natsCredentials(env) {
  if (!env.NATS_USER) return undefined;
  const pass = env.NATS_PASSWORD_FILE
    ? fs.readFileSync(env.NATS_PASSWORD_FILE, 'utf8').replace(/\r?\n$/, '')
    : env.NATS_PASSWORD;
  if (!pass) throw new Error('NATS_USER is set without NATS_PASSWORD or NATS_PASSWORD_FILE');
  return { user: env.NATS_USER, pass };
}

/** Everything start.js needs from the environment, resolved once. */
function loadConfig(env = process.env) {
  const urls = Object.fromEntries(Object.entries(DEFAULT_URLS).map(([name, url]) => [name, env[name] || url]));
  const given = Object.fromEntries(Object.keys(DEFAULT_URLS).map((name) => [name, Boolean(env[name])]));
  const services = SERVICES.map((service) => ({
    ...service,
    port: parsePort(service.portVar, env[service.portVar], service.port),
    entry: path.join(ROOT, 'apps', service.name, 'dist', 'main.js'),
  }));
  return {
    root: ROOT,
    urls,
    /** Which URLs the user named: those servers are used as they are. */
    given,
    natsCredentials: given.NATS_URL ? natsCredentials(env) : undefined,
    natsPrefix: env.VIGIL_NATS_PREFIX || '',
    partitions: env.VIGIL_PARTITIONS ? parsePort('VIGIL_PARTITIONS', env.VIGIL_PARTITIONS, 16) : 16,
    services,
    agent: {
      name: 'node-agent',
      entry: path.join(ROOT, 'apps', 'node-agent', 'dist', 'main.js'),
      stateDir: env.VIGIL_AGENT_STATE_DIR || path.join(STATE_DIR, 'agent'),
    },
    simulator: { name: 'fleet-sim', entry: path.join(ROOT, 'apps', 'fleet-sim', 'dist', 'cli.js') },
  };
}

module.exports = { ROOT, STATE_DIR, loadConfig };
