import type { WecomReceiverConfig } from '@vigil/contracts';
import type { Notification, Notifier, NotifyResult } from '../../notification';
import { displayUrl } from '../display-url';
import { classifyErrcodeAnswer, type ErrcodeRules } from '../errcode-answer';
import { guardedDelivery } from '../guarded-delivery';
import { httpPost } from '../http-post';
import type { NotifierDeps } from '../notifier-deps';
import type { SecretBag } from '../secret-bag';
import { wecomMarkdown } from './wecom.markdown';

/**
 * WeCom's frequency limits (45009: API calls over the limit, 45033: too many concurrent calls; a robot
 * takes 20 messages a minute) and -1 (system busy) are retried; every other errcode is not.
 */
export const WECOM_ERRCODES: ErrcodeRules = { retryCodes: new Set([-1, 45009, 45033]), rateLimitWaitMs: 60_000 };

/** A WeCom group robot: `POST <url>?key=KEY` with `{"msgtype":"markdown","markdown":{"content":...}}`. */
export class WecomNotifier implements Notifier {
  constructor(
    private readonly config: WecomReceiverConfig,
    private readonly deps: NotifierDeps,
  ) {}

  notify(n: Notification, signal: AbortSignal): Promise<NotifyResult> {
    const target = `wecom ${displayUrl(this.config.url)}`;
    return guardedDelivery(
      n,
      { type: 'wecom', target, sendResolved: this.config.sendResolved, deps: this.deps },
      (sent, secrets) => this.send(sent, signal, secrets),
    );
  }

  private async send(n: Notification, signal: AbortSignal, secrets: SecretBag): Promise<NotifyResult> {
    const url = new URL(this.config.url);
    url.searchParams.set('key', secrets.resolve(this.config.key, 'key'));
    const body = JSON.stringify({
      msgtype: 'markdown',
      markdown: { content: wecomMarkdown(n, this.config.maxAlerts) },
    });
    const outcome = await httpPost({ url: url.toString(), body, timeoutMs: this.config.timeoutMs, signal });
    return classifyErrcodeAnswer(outcome, WECOM_ERRCODES, (this.deps.now ?? Date.now)());
  }
}
