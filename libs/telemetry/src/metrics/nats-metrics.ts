import { Counter, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, singleMetric } from './single-metric';

export interface NatsMetrics {
  messages: Counter<'subject' | 'result'>;
  handlerDuration: Histogram<'subject'>;
}

export function createNatsMetrics(registry: Registry): NatsMetrics {
  return {
    messages: singleMetric(
      registry,
      'vigil_nats_messages_total',
      Counter<'subject' | 'result'>,
      () =>
        new Counter({
          name: 'vigil_nats_messages_total',
          help: 'NATS messages handled, by result. subject is the subject PATTERN (e.g. telemetry.heartbeat.*), never a full subject with ids.',
          labelNames: ['subject', 'result'],
          registers: [registry],
        }),
    ),
    handlerDuration: singleMetric(
      registry,
      'vigil_nats_handler_duration_seconds',
      Histogram<'subject'>,
      () =>
        new Histogram({
          name: 'vigil_nats_handler_duration_seconds',
          help: 'Time to handle a NATS message in seconds. subject is the subject PATTERN (e.g. telemetry.heartbeat.*), never a full subject with ids.',
          labelNames: ['subject'],
          buckets: LATENCY_BUCKETS_SECONDS,
          registers: [registry],
        }),
    ),
  };
}
