'use strict';
// Small network helpers: TCP reachability, URL parsing, polling.
const net = require('node:net');

/** Resolves true when something accepts a TCP connection on host:port within timeoutMs. */
function canConnect(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Host and port of the first server in a URL (NATS_URL may list several, comma separated). */
function hostPort(url, defaultPort) {
  const parsed = new URL(url.split(',')[0].trim());
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  return { host, port: parsed.port ? Number(parsed.port) : defaultPort };
}

function isLocalHost(host) {
  return ['127.0.0.1', 'localhost', '::1', '0.0.0.0'].includes(host);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls check() every intervalMs until it returns true; false after timeoutMs. */
async function waitFor(check, { timeoutMs, intervalMs = 250 }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(intervalMs);
  }
  return false;
}

module.exports = { canConnect, hostPort, isLocalHost, sleep, waitFor };
