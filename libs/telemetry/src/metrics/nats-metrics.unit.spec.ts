import { Registry } from 'prom-client';
import { createNatsMetrics } from './nats-metrics';

describe('createNatsMetrics', () => {
  it('counts messages by subject pattern and result and times handlers by subject pattern', async () => {
    const registry = new Registry();
    const { messages, handlerDuration } = createNatsMetrics(registry);
    messages.inc({ subject: 'telemetry.heartbeat.*', result: 'ack' });
    handlerDuration.observe({ subject: 'telemetry.heartbeat.*' }, 0.003);
    const text = await registry.metrics();
    expect(text).toContain('vigil_nats_messages_total{subject="telemetry.heartbeat.*",result="ack"} 1');
    expect(text).toContain('vigil_nats_handler_duration_seconds_count{subject="telemetry.heartbeat.*"} 1');
  });

  it('says in the help of each metric labelled by subject that it is a pattern, never a full subject', async () => {
    const registry = new Registry();
    createNatsMetrics(registry);
    const bySubject = [
      'vigil_nats_messages_total',
      'vigil_nats_handler_duration_seconds',
      'vigil_rpc_replies_refused_total',
    ];
    const metrics = await registry.getMetricsAsJSON();
    expect(metrics.map((m) => m.name).sort()).toEqual([...bySubject, 'vigil_rpc_queries_in_flight'].sort());
    for (const metric of metrics.filter((m) => bySubject.includes(m.name))) {
      expect(metric.help).toContain('subject PATTERN (e.g. telemetry.heartbeat.*), never a full subject with ids');
    }
  });

  it('returns the same metrics when called twice on one registry', () => {
    const registry = new Registry();
    const first = createNatsMetrics(registry);
    expect(createNatsMetrics(registry)).toEqual(first);
    expect(createNatsMetrics(registry).messages).toBe(first.messages);
  });
});
