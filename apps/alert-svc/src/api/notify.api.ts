import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import { NotFoundError, notifyOperations, silenceOperations } from '@vigil/contracts';
import { serveQuery } from '@vigil/messaging';
import { Bus, Observability, rpcServerDeps } from '@vigil/platform';
import { NotifyState } from '../notify/notify.state';
import { Receivers } from '../notify/pipeline/receivers';

/** Silences, alerts and their history, notifications and receivers over NATS request/reply. */
@Injectable()
export class NotifyApi implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly obs: Observability,
    private readonly state: NotifyState,
    private readonly receivers: Receivers,
  ) {}

  onApplicationBootstrap(): void {
    const deps = rpcServerDeps(this.bus, this.obs);
    const { state, receivers } = this;
    this.subscriptions = [
      serveQuery(deps, silenceOperations.create, (r) => state.createSilence(r)),
      serveQuery(deps, silenceOperations.fromAlert, (r) => state.silenceAlert(r)),
      serveQuery(deps, silenceOperations.expire, (r) => state.expireSilence(r)),
      serveQuery(deps, silenceOperations.list, (r) => state.listSilences(r)),
      serveQuery(deps, notifyOperations.alerts, (r) => state.listAlerts(r)),
      serveQuery(deps, notifyOperations.history, (r) => state.history(r)),
      serveQuery(deps, notifyOperations.notifications, (r) => state.notifications(r)),
      serveQuery(deps, notifyOperations.receivers, async () => ({ receivers: receivers.names() })),
      serveQuery(deps, notifyOperations.testReceiver, async (r) => {
        const result = await receivers.test(r.receiver);
        if (!result) throw new NotFoundError(`no receiver "${r.receiver}"`);
        this.obs.logger.info(
          { receiver: r.receiver, actor: r.actor, ok: result.ok, status: result.status },
          'test notification sent',
        );
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
