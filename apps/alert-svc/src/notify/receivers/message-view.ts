import type { NotifiedAlert, Notification } from '../notification';

/** What a chat message says about one alert, already formatted. */
export interface AlertView {
  status: 'firing' | 'resolved';
  alertname: string;
  severity?: string;
  node?: string;
  summary?: string;
  description?: string;
  value?: string;
  startsAt: string;
  endsAt?: string;
}

/** What every chat receiver renders, each in its own markup. */
export interface MessageView {
  /** `[FIRING:2] HighCpu (critical)`, `[RESOLVED] HighCpu`. */
  title: string;
  status: 'firing' | 'resolved';
  firing: number;
  resolved: number;
  /** The first `maxAlerts` alerts, firing ones first. */
  alerts: AlertView[];
  /** How many alerts were left out of `alerts`. */
  more: number;
  link?: string;
}

/**
 * `escape` is applied to every text that comes from labels and annotations (the alert name and
 * severity in the title too), for the target's markup (markup-escape.ts); the default leaves
 * them as they are, for plain-text fields. `link` is Vigil's own and left to the renderer.
 */
export function messageView(
  n: Notification,
  maxAlerts: number,
  escape: (text: string) => string = (t) => t,
): MessageView {
  const firing = n.alerts.filter((a) => a.status === 'firing');
  const resolved = n.alerts.filter((a) => a.status === 'resolved');
  const ordered = [...firing, ...resolved];
  const alertname = escape(
    n.groupLabels['alertname'] ?? n.commonLabels['alertname'] ?? ordered[0]?.labels['alertname'] ?? 'alert',
  );
  const severity = n.commonLabels['severity'] === undefined ? undefined : escape(n.commonLabels['severity']);
  const count = n.status === 'firing' ? `FIRING:${firing.length}` : 'RESOLVED';
  return {
    title: `[${count}] ${alertname}${severity ? ` (${severity})` : ''}`,
    status: n.status,
    firing: firing.length,
    resolved: resolved.length,
    alerts: ordered.slice(0, maxAlerts).map((a) => alertView(a, escape)),
    more: Math.max(0, ordered.length - maxAlerts),
    ...(n.externalUrl ? { link: n.externalUrl } : {}),
  };
}

function alertView(a: NotifiedAlert, escape: (text: string) => string): AlertView {
  const optional = (key: string, value: string | undefined) => (value ? { [key]: escape(value) } : {});
  return {
    status: a.status,
    alertname: escape(a.labels['alertname'] ?? 'alert'),
    ...optional('severity', a.labels['severity']),
    ...optional('node', a.labels['node']),
    ...optional('summary', a.annotations['summary']),
    ...optional('description', a.annotations['description']),
    ...(a.value === undefined ? {} : { value: formatValue(a.value) }),
    startsAt: escape(formatTime(a.startsAt)),
    ...(a.status === 'resolved' && a.endsAt ? { endsAt: escape(formatTime(a.endsAt)) } : {}),
  };
}

/** `2026-03-01 10:00:00 UTC`; a text that is not a time is shown as it is. */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** At most four decimals, no trailing zeros: 97.5, 0.0012, 12345678. */
export function formatValue(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toFixed(4))) : String(value);
}

/** "…and 3 more alerts" */
export function moreAlerts(more: number): string {
  return `…and ${more} more alert${more === 1 ? '' : 's'}`;
}

/**
 * One alert as markdown lines for the chat robots: `head` (how each one shows the status),
 * then severity and node on that line, and the details as quoted lines.
 */
export function alertMarkdownLines(a: AlertView, head: string[]): string[] {
  const first = [...head];
  if (a.severity) first.push(`severity: ${a.severity}`);
  if (a.node) first.push(`node: ${a.node}`);
  const lines = [first.join(' · ')];
  if (a.summary) lines.push(`> ${a.summary}`);
  if (a.description) lines.push(`> ${a.description}`);
  if (a.value !== undefined) lines.push(`> value: ${a.value}`);
  lines.push(`> started: ${a.startsAt}`);
  if (a.endsAt) lines.push(`> ended: ${a.endsAt}`);
  return lines;
}
