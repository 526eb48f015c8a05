import { ReceiverConfig, validate } from '@vigil/contracts';
import type { Notifier } from '../notification';
import { AlertmanagerNotifier } from './alertmanager/alertmanager.notifier';
import { DingtalkNotifier } from './dingtalk/dingtalk.notifier';
import { EmailNotifier } from './email/email.notifier';
import type { NotifierDeps } from './notifier-deps';
import { SlackNotifier } from './slack/slack.notifier';
import { WebhookNotifier } from './webhook/webhook.notifier';
import { WecomNotifier } from './wecom/wecom.notifier';

/** The one place that maps a receiver type to its notifier. */
export function createNotifier(config: ReceiverConfig, deps: NotifierDeps): Notifier {
  switch (config.type) {
    case 'webhook':
      return new WebhookNotifier(config, deps);
    case 'wecom':
      return new WecomNotifier(config, deps);
    case 'dingtalk':
      return new DingtalkNotifier(config, deps);
    case 'slack':
      return new SlackNotifier(config, deps);
    case 'alertmanager':
      return new AlertmanagerNotifier(config, deps);
    case 'email':
      return new EmailNotifier(config, deps);
    default: {
      const never: never = config;
      throw new Error(`unknown receiver type ${String((never as { type: unknown }).type)}`);
    }
  }
}

/** A notifier from a configuration as stored or sent (defaults applied); a ValidationError names the bad field. */
export function notifierFromConfig(input: unknown, deps: NotifierDeps): Notifier {
  return createNotifier(validate(ReceiverConfig, input, 'receiver'), deps);
}
