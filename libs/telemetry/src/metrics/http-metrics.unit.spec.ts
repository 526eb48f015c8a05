import { Registry } from 'prom-client';
import { createHttpMetrics } from './http-metrics';

describe('createHttpMetrics', () => {
  it('registers the request counter and duration histogram with method, route and status', async () => {
    const registry = new Registry();
    const { requests, duration } = createHttpMetrics(registry);
    requests.inc({ method: 'GET', route: '/nodes/:id', status: '200' });
    duration.observe({ method: 'GET', route: '/nodes/:id', status: '200' }, 0.012);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE vigil_http_requests_total counter');
    expect(text).toContain('vigil_http_requests_total{method="GET",route="/nodes/:id",status="200"} 1');
    expect(text).toContain('# TYPE vigil_http_request_duration_seconds histogram');
    expect(text).toContain('vigil_http_request_duration_seconds_count{method="GET",route="/nodes/:id",status="200"} 1');
  });

  it('returns the same metrics when called twice on one registry', () => {
    const registry = new Registry();
    const first = createHttpMetrics(registry);
    const second = createHttpMetrics(registry);
    expect(second.requests).toBe(first.requests);
    expect(second.duration).toBe(first.duration);
  });
});
