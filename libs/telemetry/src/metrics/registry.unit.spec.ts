import { register as globalRegistry } from 'prom-client';
import { createMetricsRegistry } from './registry';

describe('createMetricsRegistry', () => {
  it('is a registry of its own with default metrics labelled by service', async () => {
    const registry = createMetricsRegistry('registry-svc');
    expect(registry).not.toBe(globalRegistry);
    expect(await globalRegistry.getMetricsAsJSON()).toEqual([]);
    expect(await registry.metrics()).toContain('process_cpu_seconds_total{service="registry-svc"}');
  });

  it('drops the default gauges named like counters', () => {
    const registry = createMetricsRegistry('s');
    expect(registry.getSingleMetric('nodejs_active_handles')).toBeDefined();
    expect(registry.getSingleMetric('nodejs_active_handles_total')).toBeUndefined();
    expect(registry.getSingleMetric('nodejs_active_requests_total')).toBeUndefined();
    expect(registry.getSingleMetric('nodejs_active_resources_total')).toBeUndefined();
  });

  it('gives two services two independent registries', () => {
    expect(createMetricsRegistry('a')).not.toBe(createMetricsRegistry('b'));
  });
});
