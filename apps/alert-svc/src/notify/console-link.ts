/**
 * Links into the console (`VIGIL_EXTERNAL_URL`, the address operators open it at) that its router
 * understands: `/alerts?fingerprint=<fp>[,<fp>…]` opens exactly those alerts. The console's
 * routes are in apps/dashboard/src/app/routes.ts (`parseRoute`), tested with this shape.
 */

/** Alerts one link names at most; a larger group links to its alertname instead. */
export const MAX_LINKED_ALERTS = 20;

/** `base` without a trailing slash, then `path` (which starts with `/`). */
export function consoleLink(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/**
 * The link a notification carries: its alerts by fingerprint, or, for a group of more than
 * MAX_LINKED_ALERTS, the alerts view searched for its alertname. Fingerprints are 16 hex digits;
 * the alertname is percent-encoded (the message builders escape the link for their markup too).
 */
export function alertsLink(
  base: string,
  alerts: readonly { fingerprint: string; labels: Record<string, string> }[],
): string {
  if (alerts.length === 0) return consoleLink(base, '/alerts');
  if (alerts.length <= MAX_LINKED_ALERTS)
    return consoleLink(base, `/alerts?fingerprint=${alerts.map((a) => encodeURIComponent(a.fingerprint)).join(',')}`);
  const name = alerts[0].labels['alertname'] ?? '';
  return consoleLink(base, `/alerts?q=${encodeURIComponent(name)}`);
}
