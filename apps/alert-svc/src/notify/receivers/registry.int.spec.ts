import { RECEIVER_TYPES, ValidationError } from '@vigil/contracts';
import { testNotification } from '../test-notification';
import { AlertmanagerNotifier } from './alertmanager/alertmanager.notifier';
import { DingtalkNotifier } from './dingtalk/dingtalk.notifier';
import { EmailNotifier } from './email/email.notifier';
import { createNotifier, notifierFromConfig } from './registry';
import { SlackNotifier } from './slack/slack.notifier';
import { CaptureServer } from './testing/capture-server';
import { testDeps } from './testing/log-capture';
import { WebhookNotifier } from './webhook/webhook.notifier';
import { WecomNotifier } from './wecom/wecom.notifier';

const configs = {
  webhook: { type: 'webhook', url: 'http://127.0.0.1:1/hook' },
  wecom: { type: 'wecom', key: 'k-1234' },
  dingtalk: { type: 'dingtalk', accessToken: 't-1234' },
  slack: { type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/X' },
  alertmanager: { type: 'alertmanager', url: 'http://127.0.0.1:9093' },
  email: { type: 'email', to: ['ops@example.com'], from: 'vigil@example.com', host: 'smtp.example.com' },
};

describe('receiver registry', () => {
  it.each([
    ['webhook', WebhookNotifier],
    ['wecom', WecomNotifier],
    ['dingtalk', DingtalkNotifier],
    ['slack', SlackNotifier],
    ['alertmanager', AlertmanagerNotifier],
    ['email', EmailNotifier],
  ] as const)('builds a %s notifier', (type, kind) => {
    expect(notifierFromConfig(configs[type], testDeps())).toBeInstanceOf(kind);
  });

  it('covers every receiver type of the contracts', () => {
    expect(Object.keys(configs).sort()).toEqual([...RECEIVER_TYPES].sort());
  });

  it('refuses an invalid configuration, naming the field', () => {
    expect(() => notifierFromConfig({ type: 'wecom' }, testDeps())).toThrow(ValidationError);
    expect(() => notifierFromConfig({ type: 'wecom' }, testDeps())).toThrow(/invalid receiver: key: /);
  });

  it('delivers the test notification through a built notifier', async () => {
    const server = await CaptureServer.start();
    try {
      const notifier = createNotifier(
        { type: 'webhook', url: server.url('/'), sendResolved: true, timeoutMs: 2_000, maxAlerts: 10 },
        testDeps(),
      );
      const n = testNotification('ops');
      expect(await notifier.notify(n, new AbortController().signal)).toMatchObject({ ok: true });
      expect(JSON.parse(server.last.body)).toMatchObject({
        id: n.id,
        receiver: 'ops',
        alerts: [{ labels: { alertname: 'VigilTestNotification' } }],
      });
    } finally {
      await server.close();
    }
  });
});
