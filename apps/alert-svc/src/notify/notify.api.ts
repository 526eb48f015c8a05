import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import { NotFoundError, notifyOperations, silenceOperations } from '@vigil/contracts';
import { serveQuery } from '@vigil/messaging';
import { Bus, Observability, rpcServerDeps } from '@vigil/platform';
import { AlertQueries } from './alert-queries';
import { NotificationLog } from './notification-log';
import { NotificationOutcomes } from './notification-outcomes';
import { routingView } from './routing-view';
import { Receivers } from './pipeline/receivers';
import { SilenceCommands } from '../silences/silence.commands';
import { SilenceQueries } from '../silences/silences.read-model';

/** Silences, alerts and their history, notifications and receivers over NATS request/reply. */
@Injectable()
export class NotifyApi implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly obs: Observability,
    private readonly silenceCommands: SilenceCommands,
    private readonly silences: SilenceQueries,
    private readonly alerts: AlertQueries,
    private readonly log: NotificationLog,
    private readonly receivers: Receivers,
    private readonly outcomes: NotificationOutcomes,
  ) {}

  onApplicationBootstrap(): void {
    const deps = rpcServerDeps(this.bus, this.obs);
    const { silenceCommands, silences, alerts, log, receivers } = this;
    this.subscriptions = [
      serveQuery(deps, silenceOperations.create, (r) => silenceCommands.create(r)),
      serveQuery(deps, silenceOperations.fromAlert, async (r) =>
        silenceCommands.silenceAlert(await alerts.labelsOf(r.fingerprint), r),
      ),
      serveQuery(deps, silenceOperations.expire, (r) => silenceCommands.expire(r)),
      serveQuery(deps, silenceOperations.list, (r) => silences.list(r)),
      serveQuery(deps, notifyOperations.alerts, (r) => alerts.list(r)),
      serveQuery(deps, notifyOperations.history, (r) => alerts.history(r)),
      serveQuery(deps, notifyOperations.notifications, (r) => log.list(r)),
      serveQuery(deps, notifyOperations.receivers, async () => ({ receivers: receivers.names() })),
      serveQuery(deps, notifyOperations.routing, async () => routingView(receivers.config)),
      serveQuery(deps, notifyOperations.testReceiver, async (r) => {
        const result = await receivers.test(r.receiver);
        if (!result) throw new NotFoundError(`no receiver "${r.receiver}"`);
        this.obs.logger.info(
          { receiver: r.receiver, actor: r.actor, ok: result.ok, status: result.status },
          'test notification sent',
        );
        await this.outcomes.tested(r.receiver, result, r.actor);
        return {
          ok: result.ok,
          ...(result.status === undefined ? {} : { status: result.status }),
          ...(result.error ? { error: result.error } : {}),
        };
      }),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
  }
}
