import { Injectable } from '@nestjs/common';
import type { NotifyConfig } from '@vigil/contracts';
import { InjectConfig, Observability, type ServiceConfig } from '@vigil/platform';
import type { AlertEnv } from '../../config';
import type { Notifier, NotifyResult } from '../notification';
import { createNotifier } from '../receivers/registry';
import { consoleLink } from '../console-link';
import { testNotification } from '../test-notification';
import { loadNotifyConfig } from './notify-config-file';

/** The notification config this process runs with, and a notifier per receiver. */
@Injectable()
export class Receivers {
  readonly config: NotifyConfig;
  /** The console's address (`VIGIL_EXTERNAL_URL`, else the config's `externalUrl`): notifications link into it. */
  readonly consoleUrl?: string;
  private readonly notifiers = new Map<string, Notifier>();

  constructor(obs: Observability, @InjectConfig() env: ServiceConfig & AlertEnv) {
    this.config = loadNotifyConfig(env.VIGIL_ALERT_NOTIFY_CONFIG);
    this.consoleUrl = env.VIGIL_EXTERNAL_URL ?? this.config.externalUrl;
    for (const [name, receiver] of Object.entries(this.config.receivers)) {
      this.notifiers.set(name, createNotifier(receiver, { logger: obs.logger.child({ receiver: name }) }));
    }
    const names = Object.keys(this.config.receivers);
    if (!this.config.route)
      obs.logger.warn('no notification route configured (VIGIL_ALERT_NOTIFY_CONFIG): alerts fire and nothing is sent');
    else
      obs.logger.info(
        { receivers: names, inhibitRules: this.config.inhibitRules.length },
        'notification config loaded',
      );
  }

  notifier(name: string): Notifier | undefined {
    return this.notifiers.get(name);
  }

  sendResolved(name: string): boolean {
    return this.config.receivers[name]?.sendResolved ?? true;
  }

  typeOf(name: string): string | undefined {
    return this.config.receivers[name]?.type;
  }

  names(): { name: string; type: string }[] {
    return Object.entries(this.config.receivers).map(([name, r]) => ({ name, type: r.type }));
  }

  /** Sends a receiver the test notification; the receiver's answer (never with a secret in it). */
  async test(name: string, timeoutMs = 15_000): Promise<NotifyResult | undefined> {
    const notifier = this.notifiers.get(name);
    if (!notifier) return undefined;
    return notifier.notify(
      testNotification(name, {
        ...(this.consoleUrl ? { externalUrl: consoleLink(this.consoleUrl, `/receivers`) } : {}),
      }),
      AbortSignal.timeout(timeoutMs),
    );
  }
}
