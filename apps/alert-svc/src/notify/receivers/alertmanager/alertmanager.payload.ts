import type { Notification } from '../../notification';

/** One of Alertmanager's `postableAlerts` (API v2, `POST /api/v2/alerts`). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** Only for resolved alerts: Alertmanager ends a firing one itself after its resolve_timeout. */
  endsAt?: string;
  generatorURL?: string;
}

/**
 * The notification's alerts as Alertmanager takes them. Labels with an empty value are left out
 * (Prometheus treats them as absent); the value that fired an alert becomes the `value` annotation
 * unless the rule already set one.
 */
export function postableAlerts(n: Notification): PostableAlert[] {
  return n.alerts.map((a) => ({
    labels: Object.fromEntries(Object.entries(a.labels).filter(([, v]) => v !== '')),
    annotations:
      a.value === undefined || 'value' in a.annotations ? a.annotations : { ...a.annotations, value: String(a.value) },
    startsAt: a.startsAt,
    ...(a.status === 'resolved' && a.endsAt ? { endsAt: a.endsAt } : {}),
    ...(n.externalUrl ? { generatorURL: n.externalUrl } : {}),
  }));
}
