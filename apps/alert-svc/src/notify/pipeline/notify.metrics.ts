import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface NotifyMetrics {
  recorded: Counter<'receiver' | 'status'>;
  attempts: Counter<'receiver' | 'result'>;
  outcomes: Counter<'receiver' | 'outcome'>;
  attemptDuration: Histogram<'receiver' | 'result'>;
  muted: Counter<'receiver' | 'reason'>;
  /** From the alert's firing event to its first notification being recorded. */
  dispatchDelay: Histogram;
  groups: Gauge;
}

export function createNotifyMetrics(registry: Registry): NotifyMetrics {
  return {
    recorded: new Counter({
      name: 'vigil_notifications_recorded_total',
      help: 'Notifications recorded in the outbox, by receiver and status (firing, resolved)',
      labelNames: ['receiver', 'status'],
      registers: [registry],
    }),
    attempts: new Counter({
      name: 'vigil_notification_attempts_total',
      help: 'Delivery attempts by receiver and result (ok, retry, error)',
      labelNames: ['receiver', 'result'],
      registers: [registry],
    }),
    outcomes: new Counter({
      name: 'vigil_notifications_total',
      help: 'Notifications finished, by receiver and outcome (delivered, failed)',
      labelNames: ['receiver', 'outcome'],
      registers: [registry],
    }),
    attemptDuration: new Histogram({
      name: 'vigil_notification_attempt_duration_seconds',
      help: 'Time one delivery attempt took, by receiver and result',
      labelNames: ['receiver', 'result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    muted: new Counter({
      name: 'vigil_notifications_muted_total',
      help: 'Firing alerts left out of a notification, by receiver and reason (silence, inhibition, maintenance)',
      labelNames: ['receiver', 'reason'],
      registers: [registry],
    }),
    dispatchDelay: new Histogram({
      name: 'vigil_notification_dispatch_delay_seconds',
      help: "From an alert's firing event to its notification being recorded",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30, 60, 300],
      registers: [registry],
    }),
    groups: new Gauge({
      name: 'vigil_notification_groups',
      help: 'Aggregation groups this replica holds',
      registers: [registry],
    }),
  };
}
