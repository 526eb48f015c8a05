import { Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, singleMetric } from './single-metric';

export interface DbMetrics {
  queryDuration: Histogram<'operation'>;
}

export function createDbMetrics(registry: Registry): DbMetrics {
  return {
    queryDuration: singleMetric(
      registry,
      'vigil_db_query_duration_seconds',
      Histogram<'operation'>,
      () =>
        new Histogram({
          name: 'vigil_db_query_duration_seconds',
          help: 'Time to run a database query in seconds, by operation name (a fixed name such as upsert_node, never SQL text).',
          labelNames: ['operation'],
          buckets: LATENCY_BUCKETS_SECONDS,
          registers: [registry],
        }),
    ),
  };
}
