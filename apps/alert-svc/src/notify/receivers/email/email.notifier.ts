import type { EmailReceiverConfig } from '@vigil/contracts';
import { createTransport } from 'nodemailer';
import type { Notification, Notifier, NotifyResult } from '../../notification';
import { classifyRequestFailure, type RequestFailure } from '../../retrier';
import { guardedDelivery } from '../guarded-delivery';
import type { NotifierDeps } from '../notifier-deps';
import type { SecretBag } from '../secret-bag';
import { emailContent } from './email.content';
import { classifySmtpError } from './smtp-outcome';

/**
 * E-mail over SMTP (nodemailer), one connection per delivery. The Message-ID is made from the
 * notification id, so every retry of one delivery is the same message to the servers and clients
 * that de-duplicate. `timeoutMs` bounds the whole exchange, and the pipeline's signal ends it.
 */
export class EmailNotifier implements Notifier {
  constructor(
    private readonly config: EmailReceiverConfig,
    private readonly deps: NotifierDeps,
  ) {}

  notify(n: Notification, signal: AbortSignal): Promise<NotifyResult> {
    const target = `email smtp://${this.config.host}:${this.config.port}`;
    return guardedDelivery(
      n,
      { type: 'email', target, sendResolved: this.config.sendResolved, deps: this.deps },
      (sent, secrets) => this.send(sent, signal, secrets),
    );
  }

  private async send(n: Notification, signal: AbortSignal, secrets: SecretBag): Promise<NotifyResult> {
    const { config } = this;
    const auth = config.auth
      ? { user: config.auth.username, pass: secrets.resolve(config.auth.password, 'auth.password') }
      : undefined;
    const transport = createTransport({
      host: config.host,
      port: config.port,
      secure: config.tls === 'implicit',
      requireTLS: config.tls === 'starttls',
      ignoreTLS: config.tls === 'none',
      ...(auth ? { auth } : {}),
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
    });
    const content = emailContent(n, config.maxAlerts, config.subjectPrefix);
    const domain = config.from.split('@')[1];
    const timeout = AbortSignal.timeout(config.timeoutMs);
    const stop = AbortSignal.any([signal, timeout]);
    try {
      const stopped = new Promise<RequestFailure>((resolve) => {
        const why = (): RequestFailure =>
          signal.aborted ? { kind: 'aborted' } : { kind: 'timeout', timeoutMs: config.timeoutMs };
        if (stop.aborted) resolve(why());
        stop.addEventListener('abort', () => resolve(why()), { once: true });
      });
      const sending = transport.sendMail({
        from: config.from,
        to: config.to,
        subject: content.subject,
        text: content.text,
        html: content.html,
        messageId: `<${n.id}@${domain}>`,
        headers: { 'X-Vigil-Notification-Id': n.id },
      });
      const outcome = await Promise.race([
        sending.then(
          (info) => ({ sent: true as const, info }),
          (error: unknown) => ({ sent: false as const, error }),
        ),
        stopped.then((failure) => ({ stopped: failure })),
      ]);
      if ('stopped' in outcome) {
        sending.catch(() => undefined);
        return classifyRequestFailure(outcome.stopped);
      }
      if (!outcome.sent) return classifySmtpError(outcome.error);
      const { accepted, rejected, response } = outcome.info;
      const status = Number.parseInt(response, 10) || undefined;
      if (accepted.length === 0)
        return { ok: false, retry: false, status, error: `every recipient was refused (${rejected.length})` };
      return { ok: true, retry: false, ...(status ? { status } : {}) };
    } finally {
      transport.close();
    }
  }
}
