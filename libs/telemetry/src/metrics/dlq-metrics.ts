import { DlqReason } from '@vigil/contracts';
import { Counter, type Registry } from 'prom-client';
import { singleMetric } from './single-metric';

/** The reasons a message is parked for, as the contracts define them. */
export const DLQ_REASONS = DlqReason.options;

/** Why parking a message failed (the DLQ stream missing, a permission, a timeout, a refusal by the server). */
export const DLQ_PARK_FAILURES = ['no_stream', 'permission', 'timeout', 'refused', 'closed', 'error'] as const;

export interface DlqMetrics {
  messages: Counter<'service' | 'reason'>;
  /** Parks that failed: the message stays unacknowledged, the consumer backs off and tries again. */
  parkFailures: Counter<'service' | 'reason'>;
}

/** Every reason is pre-created at zero for `service`, so a rate() over it exists before the first parked message. */
export function createDlqMetrics(registry: Registry, service: string): DlqMetrics {
  const messages = singleMetric(
    registry,
    'vigil_dlq_messages_total',
    Counter<'service' | 'reason'>,
    () =>
      new Counter({
        name: 'vigil_dlq_messages_total',
        help: 'Messages parked in the dead-letter queue, by service and reason.',
        labelNames: ['service', 'reason'],
        registers: [registry],
      }),
  );
  for (const reason of DLQ_REASONS) messages.inc({ service, reason }, 0);
  const parkFailures = singleMetric(
    registry,
    'vigil_dlq_park_failures_total',
    Counter<'service' | 'reason'>,
    () =>
      new Counter({
        name: 'vigil_dlq_park_failures_total',
        help: 'Messages that could not be parked in the dead-letter queue (left unacknowledged and retried with a capped backoff), by service and reason.',
        labelNames: ['service', 'reason'],
        registers: [registry],
      }),
  );
  for (const reason of DLQ_PARK_FAILURES) parkFailures.inc({ service, reason }, 0);
  return { messages, parkFailures };
}
