import { DlqReason } from '@vigil/contracts';
import { Counter, type Registry } from 'prom-client';
import { singleMetric } from './single-metric';

/** The reasons a message is parked for, as the contracts define them. */
export const DLQ_REASONS = DlqReason.options;

export interface DlqMetrics {
  messages: Counter<'service' | 'reason'>;
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
  return { messages };
}
