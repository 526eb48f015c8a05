import type { AlertmanagerReceiverConfig } from '@vigil/contracts';
import type { Notification, Notifier, NotifyResult } from '../../notification';
import { classifyHttpAnswer, classifyRequestFailure } from '../../retrier';
import { displayUrl } from '../display-url';
import { guardedDelivery } from '../guarded-delivery';
import { excerpt, httpPost } from '../http-post';
import type { NotifierDeps } from '../notifier-deps';
import type { SecretBag } from '../secret-bag';
import { postableAlerts } from './alertmanager.payload';

/** `<url>/api/v2/alerts`, keeping a path prefix (`http://host/am` -> `http://host/am/api/v2/alerts`). */
export function alertsEndpoint(baseUrl: string): string {
  const base = new URL(baseUrl);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/api/v2/alerts`;
  return base.toString();
}

/** Forwards the alerts to a Prometheus Alertmanager, which answers 200 or 400 with the reason. */
export class AlertmanagerNotifier implements Notifier {
  private readonly endpoint: string;

  constructor(
    private readonly config: AlertmanagerReceiverConfig,
    private readonly deps: NotifierDeps,
  ) {
    this.endpoint = alertsEndpoint(config.url);
  }

  notify(n: Notification, signal: AbortSignal): Promise<NotifyResult> {
    const target = `alertmanager ${displayUrl(this.endpoint)}`;
    return guardedDelivery(
      n,
      { type: 'alertmanager', target, sendResolved: this.config.sendResolved, deps: this.deps },
      (sent, secrets) => this.send(sent, signal, secrets),
    );
  }

  private async send(n: Notification, signal: AbortSignal, secrets: SecretBag): Promise<NotifyResult> {
    secrets.addUrlCredentials(this.endpoint);
    const body = JSON.stringify(postableAlerts(n));
    const outcome = await httpPost({ url: this.endpoint, body, timeoutMs: this.config.timeoutMs, signal });
    if (!outcome.answered) return classifyRequestFailure(outcome.failure);
    return classifyHttpAnswer(
      { status: outcome.status, retryAfter: outcome.headers.get('retry-after'), detail: excerpt(outcome.body) },
      (this.deps.now ?? Date.now)(),
    );
  }
}
