import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, singleMetric } from './single-metric';

export interface NatsMetrics {
  messages: Counter<'subject' | 'result'>;
  handlerDuration: Histogram<'subject'>;
  /** `qry.*` handlers running now in this process (the query cap bounds it). */
  queriesInFlight: Gauge;
  /** Requests answered with an error instead of their result: busy, too large, or a reply that could not be sent. */
  repliesRefused: Counter<'subject' | 'reason'>;
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
    queriesInFlight: singleMetric(
      registry,
      'vigil_rpc_queries_in_flight',
      Gauge,
      () =>
        new Gauge({
          name: 'vigil_rpc_queries_in_flight',
          help: 'qry.* request handlers running now in this process (at most VIGIL_QUERY_CONCURRENCY)',
          registers: [registry],
        }),
    ),
    repliesRefused: singleMetric(
      registry,
      'vigil_rpc_replies_refused_total',
      Counter<'subject' | 'reason'>,
      () =>
        new Counter({
          name: 'vigil_rpc_replies_refused_total',
          help: 'Requests answered with an error instead of their result, by reason: busy (the query cap was full), too_large (the reply would exceed the connection max_payload), send_failed (respond threw). subject is the subject PATTERN (e.g. telemetry.heartbeat.*), never a full subject with ids.',
          labelNames: ['subject', 'reason'],
          registers: [registry],
        }),
    ),
  };
}
