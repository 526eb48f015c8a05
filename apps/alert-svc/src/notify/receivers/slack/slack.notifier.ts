import { type SlackReceiverConfig, ValidationError } from '@vigil/contracts';
import type { Notification, Notifier, NotifyResult } from '../../notification';
import { classifyHttpAnswer, classifyRequestFailure } from '../../retrier';
import { displayUrl } from '../display-url';
import { guardedDelivery } from '../guarded-delivery';
import { excerpt, httpPost } from '../http-post';
import type { NotifierDeps } from '../notifier-deps';
import type { SecretBag } from '../secret-bag';
import { slackMessage } from './slack.blocks';

/**
 * A Slack incoming webhook: Block Kit `blocks` plus a `text` fallback. Slack answers 200 `ok`, or
 * 400/403/404/410 with a reason (not retried), 429 with Retry-After, 5xx (retried). The webhook URL
 * is the secret: only its host is ever shown.
 */
export class SlackNotifier implements Notifier {
  constructor(
    private readonly config: SlackReceiverConfig,
    private readonly deps: NotifierDeps,
  ) {}

  notify(n: Notification, signal: AbortSignal): Promise<NotifyResult> {
    const shown =
      typeof this.config.webhookUrl === 'string'
        ? displayUrl(this.config.webhookUrl)
        : `(URL from environment variable ${this.config.webhookUrl.env})`;
    return guardedDelivery(
      n,
      { type: 'slack', target: `slack ${shown}`, sendResolved: this.config.sendResolved, deps: this.deps },
      (sent, secrets) => this.send(sent, signal, secrets),
    );
  }

  private async send(n: Notification, signal: AbortSignal, secrets: SecretBag): Promise<NotifyResult> {
    const url = secrets.resolve(this.config.webhookUrl, 'webhookUrl');
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      throw new ValidationError('webhookUrl: is not an http(s) URL');
    const { pathname } = new URL(url);
    secrets.addUrlCredentials(url);
    secrets.add(pathname);
    secrets.add(pathname.split('/').at(-1) ?? '');
    const body = JSON.stringify(slackMessage(n, this.config.maxAlerts));
    const outcome = await httpPost({ url, body, timeoutMs: this.config.timeoutMs, signal });
    if (!outcome.answered) return classifyRequestFailure(outcome.failure);
    return classifyHttpAnswer(
      { status: outcome.status, retryAfter: outcome.headers.get('retry-after'), detail: excerpt(outcome.body) },
      (this.deps.now ?? Date.now)(),
    );
  }
}
