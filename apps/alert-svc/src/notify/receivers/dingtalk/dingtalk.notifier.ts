import type { DingtalkReceiverConfig } from '@vigil/contracts';
import type { Notification, Notifier, NotifyResult } from '../../notification';
import { displayUrl } from '../display-url';
import { classifyErrcodeAnswer, type ErrcodeRules } from '../errcode-answer';
import { guardedDelivery } from '../guarded-delivery';
import { httpPost } from '../http-post';
import type { NotifierDeps } from '../notifier-deps';
import type { SecretBag } from '../secret-bag';
import { dingtalkMarkdown } from './dingtalk.markdown';
import { dingtalkSign } from './dingtalk.signature';

/**
 * DingTalk's rate limits (130101: more than 20 messages a minute, 410100: throttled) and -1 (system
 * busy) are retried; every other errcode (310000 keyword/signature/IP check failed, 300001 unknown
 * token, ...) is not.
 */
export const DINGTALK_ERRCODES: ErrcodeRules = { retryCodes: new Set([-1, 130101, 410100]), rateLimitWaitMs: 60_000 };

/** A DingTalk custom robot: `POST <url>?access_token=...[&timestamp=&sign=]` with a markdown message. */
export class DingtalkNotifier implements Notifier {
  constructor(
    private readonly config: DingtalkReceiverConfig,
    private readonly deps: NotifierDeps,
  ) {}

  notify(n: Notification, signal: AbortSignal): Promise<NotifyResult> {
    const target = `dingtalk ${displayUrl(this.config.url)}`;
    return guardedDelivery(
      n,
      { type: 'dingtalk', target, sendResolved: this.config.sendResolved, deps: this.deps },
      (sent, secrets) => this.send(sent, signal, secrets),
    );
  }

  private async send(n: Notification, signal: AbortSignal, secrets: SecretBag): Promise<NotifyResult> {
    const now = (this.deps.now ?? Date.now)();
    const url = new URL(this.config.url);
    url.searchParams.set('access_token', secrets.resolve(this.config.accessToken, 'accessToken'));
    if (this.config.secret !== undefined) {
      const sign = dingtalkSign(secrets.resolve(this.config.secret, 'secret'), now);
      secrets.add(sign);
      url.searchParams.set('timestamp', String(now));
      url.searchParams.set('sign', sign);
    }
    const { atMobiles, atUserIds, atAll } = this.config;
    const body = JSON.stringify({
      msgtype: 'markdown',
      markdown: dingtalkMarkdown(n, this.config.maxAlerts, [...atMobiles, ...atUserIds]),
      at: { atMobiles, atUserIds, isAtAll: atAll },
    });
    const outcome = await httpPost({ url: url.toString(), body, timeoutMs: this.config.timeoutMs, signal });
    return classifyErrcodeAnswer(outcome, DINGTALK_ERRCODES, now);
  }
}
