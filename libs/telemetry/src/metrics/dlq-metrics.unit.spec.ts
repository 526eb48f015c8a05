import { Registry } from 'prom-client';
import { createDlqMetrics, DLQ_REASONS } from './dlq-metrics';

describe('createDlqMetrics', () => {
  it('pre-creates every reason at zero for the service', async () => {
    const registry = new Registry();
    createDlqMetrics(registry, 'registry-svc');
    const metric = await registry.getSingleMetric('vigil_dlq_messages_total')?.get();
    expect(metric?.type).toBe('counter');
    expect(metric?.values).toEqual(
      DLQ_REASONS.map((reason) => ({ value: 0, labels: { service: 'registry-svc', reason } })),
    );
    expect(DLQ_REASONS).toEqual([
      'invalid_payload',
      'unknown_type',
      'identity_mismatch',
      'over_limit',
      'processing_failed',
    ]);
  });

  it('returns the same counter when called twice, keeping its counts', async () => {
    const registry = new Registry();
    const first = createDlqMetrics(registry, 'alert-svc');
    first.messages.inc({ service: 'alert-svc', reason: 'unknown_type' });
    const second = createDlqMetrics(registry, 'alert-svc');
    expect(second.messages).toBe(first.messages);
    expect(await registry.metrics()).toContain('vigil_dlq_messages_total{service="alert-svc",reason="unknown_type"} 1');
  });
});
