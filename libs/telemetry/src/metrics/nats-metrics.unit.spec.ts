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

  it('says in the help that subject is a pattern, never a full subject', async () => {
    const registry = new Registry();
    createNatsMetrics(registry);
    for (const metric of await registry.getMetricsAsJSON()) {
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
