import type { NotifiedAlert, Notification } from '../../notification';

/** Notifications as the pipeline builds them, for the receivers' tests. */
export function firingAlert(overrides: Partial<NotifiedAlert> = {}): NotifiedAlert {
  return {
    fingerprint: 'f1a2b3c4d5e6f708',
    status: 'firing',
    labels: { alertname: 'HighCpu', severity: 'critical', node: 'web-01' },
    annotations: { summary: 'CPU above 90% on web-01', description: 'CPU usage has been above 90% for 5 minutes.' },
    startsAt: '2026-03-01T10:00:00.000Z',
    value: 97.5,
    ...overrides,
  };
}

export function resolvedAlert(overrides: Partial<NotifiedAlert> = {}): NotifiedAlert {
  return firingAlert({ status: 'resolved', endsAt: '2026-03-01T10:20:00.000Z', ...overrides });
}

export function notificationOf(alerts: NotifiedAlert[], overrides: Partial<Notification> = {}): Notification {
  return {
    id: '01956a8e-7c00-7000-8000-000000000001',
    receiver: 'ops',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    groupKey: '{}:{alertname="HighCpu"}',
    groupLabels: { alertname: 'HighCpu' },
    commonLabels: { alertname: 'HighCpu', severity: 'critical' },
    commonAnnotations: {},
    externalUrl: 'https://vigil.example.com/alerts/HighCpu',
    alerts,
    ...overrides,
  };
}

/** `count` firing alerts on nodes web-01, web-02, ... */
export function manyAlerts(count: number): NotifiedAlert[] {
  return Array.from({ length: count }, (_, i) => {
    const node = `web-${String(i + 1).padStart(2, '0')}`;
    return firingAlert({
      fingerprint: `fp-${i + 1}`,
      labels: { alertname: 'HighCpu', severity: 'critical', node },
      annotations: { summary: `CPU above 90% on ${node}` },
    });
  });
}

/**
 * An alert whose labels and annotations carry markup for every chat target: a markdown link, a
 * raw URL, emphasis, a heading and a quote on a new line, an HTML tag, Slack's link and mention.
 */
export function hostileAlert(): NotifiedAlert {
  return firingAlert({
    labels: { alertname: 'Disk[x](https://evil.example/a)', severity: '*crit*', node: 'web-01<font color="red">' },
    annotations: {
      summary: '[x](https://evil.example/b) **bold** _it_ `code` <https://evil.example/c|click> <!channel>',
      description: 'see https://evil.example/d\n## owned\n> [Open in Vigil](https://evil.example/e) & more',
    },
  });
}

/** Every markdown link `[text](url)` that a renderer would make of `text` (backslash escapes honoured). */
export function markdownLinks(text: string): string[] {
  return [...text.matchAll(/(?<!\\)\[((?:\\.|[^\]\\])*)(?<!\\)\]\(([^)\s]*)\)/g)].map((m) => `[${m[1]}](${m[2]})`);
}
