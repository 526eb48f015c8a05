'use strict';
// Readiness of the services: GET /health/ready answers 200 once a service can do its work.
const { waitFor } = require('./net');

async function isReady(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** Resolves to the services that did not become ready within timeoutMs (empty when all did). */
async function waitUntilReady(services, timeoutMs) {
  const results = await Promise.all(
    services.map(async (service) => ({
      service,
      ready: await waitFor(() => isReady(service.port), { timeoutMs, intervalMs: 500 }),
    })),
  );
  return results.filter(({ ready }) => !ready).map(({ service }) => service);
}

module.exports = { waitUntilReady };
