import { notificationEvents, NotifyConfig, validate } from '@vigil/contracts';
import { alertsLink, consoleLink, MAX_LINKED_ALERTS } from './console-link';
import type { Notification } from './notification';
import { attemptOutcomeEvent } from './notification-outcomes';
import { Aggregator } from './pipeline/aggregator';
import { Muting } from './pipeline/muting';
import { dingtalkMarkdown } from './receivers/dingtalk/dingtalk.markdown';
import { slackMessage } from './receivers/slack/slack.blocks';
import { firingAlert, markdownLinks, notificationOf } from './receivers/testing/sample-notifications';
import { webhookPayload } from './receivers/webhook/webhook.payload';
import { wecomMarkdown } from './receivers/wecom/wecom.markdown';

const fp = (i: number) => i.toString(16).padStart(16, '0');

describe('consoleLink / alertsLink', () => {
  it('joins the base and the path with one slash', () => {
    expect(consoleLink('https://vigil.example.com', '/receivers')).toBe('https://vigil.example.com/receivers');
    expect(consoleLink('https://proxy.example/vigil//', '/alerts')).toBe('https://proxy.example/vigil/alerts');
  });

  it('names the alerts by fingerprint, up to MAX_LINKED_ALERTS', () => {
    const alerts = [1, 2].map((i) => ({ fingerprint: fp(i), labels: { alertname: 'HighCpu' } }));
    expect(alertsLink('https://v.example', alerts)).toBe(`https://v.example/alerts?fingerprint=${fp(1)},${fp(2)}`);
  });

  it('links a larger group to its alertname, percent-encoded', () => {
    const alerts = Array.from({ length: MAX_LINKED_ALERTS + 1 }, (_, i) => ({
      fingerprint: fp(i),
      labels: { alertname: 'Disk full&x=1 #2' },
    }));
    expect(alertsLink('https://v.example', alerts)).toBe('https://v.example/alerts?q=Disk%20full%26x%3D1%20%232');
  });
});

describe('notifications link to their alerts in the console', () => {
  const config = validate(
    NotifyConfig,
    { receivers: { team: { type: 'webhook', url: 'http://h/' } }, route: { receiver: 'team', groupBy: ['alertname'] } },
    'notify config',
  );
  const aggregator = (externalUrl?: string) =>
    new Aggregator({
      route: config.route!,
      sendResolved: () => true,
      muting: new Muting([]),
      newId: () => '01956a8e-7c00-7000-8000-000000000001',
      ...(externalUrl ? { externalUrl } : {}),
    });
  const entry = (i: number, node: string) => ({
    fingerprint: fp(i),
    ruleId: 'high-cpu',
    status: 'firing' as const,
    labels: { alertname: 'HighCpu', severity: 'critical', node },
    annotations: { summary: `CPU on ${node}` },
    startsAt: '2026-03-01T10:00:00.000Z',
  });

  it('the aggregator puts the link to the group alerts on each notification', () => {
    const agg = aggregator('https://vigil.example.com/');
    agg.update(entry(10, 'web-1'), 0);
    agg.update(entry(11, 'web-2'), 0);
    const [out] = agg.due(0);
    expect(out.notification.externalUrl).toBe(`https://vigil.example.com/alerts?fingerprint=${fp(10)},${fp(11)}`);
  });

  it('without an address, none', () => {
    const agg = aggregator();
    agg.update(entry(10, 'web-1'), 0);
    expect(agg.due(0)[0].notification).not.toHaveProperty('externalUrl');
  });

  // A base address whose path has characters that end a markdown or Slack link: each builder
  // escapes the link for its markup, and it stays the one link of the message.
  const base = 'https://vigil.example.com/a(b)|c';
  const link = alertsLink(base, [{ fingerprint: fp(7), labels: {} }]);
  const n: Notification = notificationOf([firingAlert({ fingerprint: fp(7) })], { externalUrl: link });

  it('WeCom: one markdown link, parentheses percent-encoded', () => {
    expect(markdownLinks(wecomMarkdown(n, 10))).toEqual([
      `[Open in Vigil](https://vigil.example.com/a%28b%29|c/alerts?fingerprint=${fp(7)})`,
    ]);
  });

  it('DingTalk: one markdown link, parentheses percent-encoded', () => {
    expect(markdownLinks(dingtalkMarkdown(n, 10, []).text)).toEqual([
      `[Open in Vigil](https://vigil.example.com/a%28b%29|c/alerts?fingerprint=${fp(7)})`,
    ]);
  });

  it('Slack: the link section with "|" encoded so it cannot end the URL', () => {
    const sections = slackMessage(n, 10).blocks.filter((b) => JSON.stringify(b).includes('Open in Vigil'));
    expect(sections).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `<https://vigil.example.com/a(b)%7Cc/alerts?fingerprint=${fp(7)}|Open in Vigil>`,
          verbatim: true,
        },
      },
    ]);
  });

  it('webhook: the link as JSON data', () => {
    expect(webhookPayload(n)).toMatchObject({ externalUrl: link });
  });
});

describe('attemptOutcomeEvent', () => {
  const n = notificationOf([firingAlert({ fingerprint: fp(1) })]);
  const at = new Date('2026-03-01T10:00:05.000Z');
  const end = (over: Partial<Parameters<typeof attemptOutcomeEvent>[0]>) =>
    attemptOutcomeEvent(
      {
        notification: n,
        attempt: 1,
        result: { ok: true, retry: false },
        state: 'delivered',
        error: null,
        nextAttemptAt: at,
        ...over,
      },
      'webhook',
    );
  const valid = (e: ReturnType<typeof end>) => notificationEvents.validateNew(e.type, e.data);

  it('delivered, with the receiver, its kind, the alerts and the attempt', () => {
    const e = end({ result: { ok: true, retry: false, status: 200 } });
    expect(e).toEqual({
      type: 'notification.delivered',
      data: {
        notificationId: n.id,
        receiver: 'ops',
        receiverType: 'webhook',
        groupKey: n.groupKey,
        status: 'firing',
        fingerprints: [fp(1)],
        alertCount: 1,
        attempt: 1,
        httpStatus: 200,
      },
    });
    expect(() => valid(e)).not.toThrow();
  });

  it('an attempt that will be retried, one refused for good, one given up', () => {
    const retry = end({
      attempt: 2,
      result: { ok: false, retry: true, status: 503, error: 'webhook https://h.example: HTTP 503' },
      state: 'pending',
      error: 'webhook https://h.example: HTTP 503',
    });
    expect(retry).toMatchObject({
      type: 'notification.attempt_failed',
      data: {
        attempt: 2,
        httpStatus: 503,
        error: 'webhook https://h.example: HTTP 503',
        nextAttemptAt: at.toISOString(),
      },
    });
    const refused = end({
      result: { ok: false, retry: false, status: 400, error: 'HTTP 400' },
      state: 'failed',
      error: 'HTTP 400',
    });
    expect(refused.type).toBe('notification.failed');
    const gaveUp = end({
      attempt: 9,
      result: { ok: false, retry: true, error: 'timeout' },
      state: 'failed',
      error: 'timeout (gave up after 9 attempts)',
    });
    expect(gaveUp).toMatchObject({
      type: 'notification.given_up',
      data: { error: 'timeout (gave up after 9 attempts)' },
    });
    for (const e of [retry, refused, gaveUp]) expect(() => valid(e)).not.toThrow();
  });

  it('cuts a long error to 500 characters and names at most 100 alerts', () => {
    const many = notificationOf(Array.from({ length: 150 }, (_, i) => firingAlert({ fingerprint: fp(i) })));
    const e = attemptOutcomeEvent(
      {
        notification: many,
        attempt: 1,
        result: { ok: false, retry: false },
        state: 'failed',
        error: 'x'.repeat(2000),
        nextAttemptAt: at,
      },
      'slack',
    );
    const data = e.data as { error: string; fingerprints: string[]; alertCount: number };
    expect([data.error.length, data.fingerprints.length, data.alertCount]).toEqual([500, 100, 150]);
    expect(() => valid(e)).not.toThrow();
  });
});
