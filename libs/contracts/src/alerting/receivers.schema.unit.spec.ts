import { ValidationError } from '../errors';
import { validate } from '../validation';
import { RECEIVER_TYPES, ReceiverConfig } from './receivers.schema';

const parse = (value: unknown) => validate(ReceiverConfig, value, 'receiver');

describe('ReceiverConfig', () => {
  it('knows every receiver type', () => {
    expect(RECEIVER_TYPES).toEqual(['webhook', 'wecom', 'dingtalk', 'slack', 'alertmanager', 'email']);
  });

  it('fills in the defaults', () => {
    expect(parse({ type: 'wecom', key: { env: 'WECOM_KEY' } })).toEqual({
      type: 'wecom',
      key: { env: 'WECOM_KEY' },
      url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send',
      sendResolved: true,
      timeoutMs: 10_000,
      maxAlerts: 10,
    });
    expect(parse({ type: 'dingtalk', accessToken: 't' })).toMatchObject({
      url: 'https://oapi.dingtalk.com/robot/send',
      atMobiles: [],
      atUserIds: [],
      atAll: false,
      timeoutMs: 10_000,
    });
    expect(
      parse({ type: 'email', to: ['ops@example.com'], from: 'vigil@example.com', host: 'smtp.example.com' }),
    ).toMatchObject({
      port: 587,
      tls: 'starttls',
      subjectPrefix: '[Vigil]',
    });
  });

  it.each([
    [{ type: 'webhook', url: 'ftp://x' }, 'url'],
    [{ type: 'webhook', url: 'http://x', secret: '' }, 'secret'],
    [{ type: 'wecom' }, 'key'],
    [{ type: 'wecom', key: { env: 'not a name' } }, 'key.env'],
    [{ type: 'wecom', key: { env: 'K', extra: 1 } }, 'key'],
    [{ type: 'dingtalk', accessToken: 't', atMobiles: ['call me'] }, 'atMobiles.0'],
    [{ type: 'slack', webhookUrl: 'hooks.slack.com/services/x' }, 'webhookUrl'],
    [{ type: 'alertmanager', url: 'http://am:9093', timeoutMs: 5 }, 'timeoutMs'],
    [{ type: 'email', to: [], from: 'ops@example.com', host: 'h' }, 'to'],
    [{ type: 'email', to: ['nope'], from: 'ops@example.com', host: 'h' }, 'to.0'],
    [
      { type: 'email', to: ['ops@example.com'], from: 'ops@example.com', host: 'h', auth: { username: 'u' } },
      'auth.password',
    ],
    [{ type: 'webhook', url: 'http://x', colour: 'red' }, '(root)'],
    [{ type: 'pager', url: 'http://x' }, 'type'],
  ])('names the field of %j', (value, field) => {
    expect(() => parse(value)).toThrow(ValidationError);
    expect(() => parse(value)).toThrow(new RegExp(`invalid receiver: ${field.replace(/[.()]/g, '\\$&')}: `));
  });
});
