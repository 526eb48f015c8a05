import { type ReceiverType, ValidationError } from '@vigil/contracts';
import type { Notification, NotifyResult } from '../notification';
import type { NotifierDeps } from './notifier-deps';
import { SecretBag } from './secret-bag';

export interface DeliveryContext {
  type: ReceiverType;
  /** Where it goes, safe to show (see displayUrl). */
  target: string;
  sendResolved: boolean;
  deps: NotifierDeps;
}

/**
 * Runs one delivery attempt the same way for every receiver: resolved alerts dropped when the
 * receiver does not want them (nothing sent if none is left), a missing secret or invalid input
 * answered as a failure that is not retried, anything thrown answered as a retryable failure,
 * every error scrubbed of the secrets the attempt resolved, and the outcome logged.
 * It never throws.
 */
export async function guardedDelivery(
  n: Notification,
  ctx: DeliveryContext,
  attempt: (n: Notification, secrets: SecretBag) => Promise<NotifyResult>,
): Promise<NotifyResult> {
  const alerts = ctx.sendResolved ? n.alerts : n.alerts.filter((a) => a.status === 'firing');
  if (alerts.length === 0) return { ok: true, retry: false };
  const secrets = new SecretBag(ctx.deps.env ?? process.env);
  let result: NotifyResult;
  try {
    result = await attempt(alerts === n.alerts ? n : { ...n, alerts }, secrets);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    result =
      e instanceof ValidationError
        ? { ok: false, retry: false, error: message }
        : { ok: false, retry: true, error: `unexpected error: ${message}` };
  }
  const log = ctx.deps.logger.child({ receiver: n.receiver, receiverType: ctx.type, notificationId: n.id });
  if (result.ok) {
    log.debug({ status: result.status }, 'notification delivered');
    return result;
  }
  const failed: NotifyResult = { ...result, error: secrets.scrub(`${ctx.target}: ${result.error ?? 'failed'}`) };
  log.warn(
    { status: failed.status, retry: failed.retry, retryAfterMs: failed.retryAfterMs, error: failed.error },
    'notification not delivered',
  );
  return failed;
}
