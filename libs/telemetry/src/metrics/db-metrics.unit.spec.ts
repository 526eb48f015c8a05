import { Registry } from 'prom-client';
import { createDbMetrics } from './db-metrics';

describe('createDbMetrics', () => {
  it('times queries by operation', async () => {
    const registry = new Registry();
    createDbMetrics(registry).queryDuration.observe({ operation: 'upsert_node' }, 0.004);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE vigil_db_query_duration_seconds histogram');
    expect(text).toContain('vigil_db_query_duration_seconds_bucket{le="0.005",operation="upsert_node"} 1');
  });

  it('returns the same histogram when called twice on one registry', () => {
    const registry = new Registry();
    expect(createDbMetrics(registry).queryDuration).toBe(createDbMetrics(registry).queryDuration);
  });
});
