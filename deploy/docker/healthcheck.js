'use strict';
// Container health check: GET /health/live on the app's own port. The node agent and the fleet
// simulator serve no HTTP; for them a running process is a healthy one.
const PORTS = {
  gateway: ['VIGIL_GATEWAY_PORT', 8080],
  'registry-svc': ['VIGIL_REGISTRY_PORT', 8081],
  'metrics-svc': ['VIGIL_METRICS_PORT', 8082],
  'alert-svc': ['VIGIL_ALERT_PORT', 8083],
  'backup-svc': ['VIGIL_BACKUP_PORT', 8084],
};

const app = PORTS[process.env.APP];
if (!app) process.exit(0);
const [portVar, defaultPort] = app;
const port = process.env[portVar] || defaultPort;

fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(4000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
