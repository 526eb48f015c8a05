import { spawnSync } from 'node:child_process';
import { requireTool } from '@vigil/test-support';
import { createDbMetrics } from './db-metrics';
import { createDlqMetrics } from './dlq-metrics';
import { createHttpMetrics } from './http-metrics';
import { createNatsMetrics } from './nats-metrics';
import { createMetricsRegistry } from './registry';

const promtool = requireTool('promtool', 'prometheus');

describe('exposition lint', () => {
  (promtool ? it : it.skip)('passes `promtool check metrics` with no problem reported', async () => {
    const registry = createMetricsRegistry('promtool-test');
    const http = createHttpMetrics(registry);
    http.requests.inc({ method: 'GET', route: '/nodes/:id', status: '200' });
    http.duration.observe({ method: 'GET', route: '/nodes/:id', status: '200' }, 0.02);
    const nats = createNatsMetrics(registry);
    nats.messages.inc({ subject: 'telemetry.heartbeat.*', result: 'ack' });
    nats.handlerDuration.observe({ subject: 'telemetry.heartbeat.*' }, 0.002);
    createDbMetrics(registry).queryDuration.observe({ operation: 'upsert_node' }, 0.004);
    createDlqMetrics(registry, 'promtool-test').messages.inc({ service: 'promtool-test', reason: 'invalid_payload' });

    const text = await registry.metrics();
    for (const name of [
      'vigil_http_requests_total',
      'vigil_http_request_duration_seconds',
      'vigil_nats_messages_total',
      'vigil_nats_handler_duration_seconds',
      'vigil_db_query_duration_seconds',
      'vigil_dlq_messages_total',
      'process_cpu_seconds_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: lint.status, output: `${lint.stdout}${lint.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });
});
