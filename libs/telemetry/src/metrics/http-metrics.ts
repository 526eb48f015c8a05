import { Counter, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, singleMetric } from './single-metric';

export type HttpLabel = 'method' | 'route' | 'status';

export interface HttpMetrics {
  requests: Counter<HttpLabel>;
  duration: Histogram<HttpLabel>;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
  const labelNames: HttpLabel[] = ['method', 'route', 'status'];
  return {
    requests: singleMetric(
      registry,
      'vigil_http_requests_total',
      Counter<HttpLabel>,
      () =>
        new Counter({
          name: 'vigil_http_requests_total',
          help: 'HTTP requests served, by method, route template (e.g. /nodes/:id, never a path with ids) and status code.',
          labelNames,
          registers: [registry],
        }),
    ),
    duration: singleMetric(
      registry,
      'vigil_http_request_duration_seconds',
      Histogram<HttpLabel>,
      () =>
        new Histogram({
          name: 'vigil_http_request_duration_seconds',
          help: 'Time to serve an HTTP request in seconds, by method, route template and status code.',
          labelNames,
          buckets: LATENCY_BUCKETS_SECONDS,
          registers: [registry],
        }),
    ),
  };
}
