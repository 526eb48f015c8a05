import type { WebhookReceiverConfig } from '@vigil/contracts';
import type { Notification, Notifier, NotifyResult } from '../../notification';
import { classifyHttpAnswer, classifyRequestFailure } from '../../retrier';
import { displayUrl } from '../display-url';
import { guardedDelivery } from '../guarded-delivery';
import { excerpt, httpPost } from '../http-post';
import type { NotifierDeps } from '../notifier-deps';
import type { SecretBag } from '../secret-bag';
import { webhookPayload } from './webhook.payload';
import { WEBHOOK_HEADERS, webhookSignature } from './webhook.signature';

/** POSTs the versioned notification JSON to any HTTP endpoint, signed when a secret is set. */
export class WebhookNotifier implements Notifier {
  constructor(
    private readonly config: WebhookReceiverConfig,
    private readonly deps: NotifierDeps,
  ) {}

  notify(n: Notification, signal: AbortSignal): Promise<NotifyResult> {
    const target = `webhook ${displayUrl(this.config.url)}`;
    return guardedDelivery(
      n,
      { type: 'webhook', target, sendResolved: this.config.sendResolved, deps: this.deps },
      (sent, secrets) => this.send(sent, signal, secrets),
    );
  }

  private async send(n: Notification, signal: AbortSignal, secrets: SecretBag): Promise<NotifyResult> {
    secrets.addUrlCredentials(this.config.url);
    const body = JSON.stringify(webhookPayload(n));
    const headers: Record<string, string> = { [WEBHOOK_HEADERS.idempotencyKey]: n.id };
    if (this.config.secret !== undefined) {
      const secret = secrets.resolve(this.config.secret, 'secret');
      const timestamp = Math.floor((this.deps.now ?? Date.now)() / 1000);
      headers[WEBHOOK_HEADERS.timestamp] = String(timestamp);
      headers[WEBHOOK_HEADERS.signature] = webhookSignature(secret, timestamp, body);
    }
    const outcome = await httpPost({ url: this.config.url, body, headers, timeoutMs: this.config.timeoutMs, signal });
    if (!outcome.answered) return classifyRequestFailure(outcome.failure);
    return classifyHttpAnswer(
      { status: outcome.status, retryAfter: outcome.headers.get('retry-after'), detail: excerpt(outcome.body) },
      (this.deps.now ?? Date.now)(),
    );
  }
}
