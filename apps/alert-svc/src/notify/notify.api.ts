import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import {
  alertEvents,
  backupEvents,
  type DomainEvent,
  type EventCatalog,
  nodeEvents,
  NotFoundError,
  notifyOperations,
  silenceOperations,
} from '@vigil/contracts';
import { serveQuery } from '@vigil/messaging';
import {
  Bus,
  Database,
  Observability,
  RedriveLedger,
  rereadRedrive,
  rpcServerDeps,
  serveDeadLetters,
} from '@vigil/platform';
import { AlertEvaluation } from '../evaluation/alert-evaluation';
import { SampleGate } from '../evaluation/sample-gate';
import { SampleRedrive } from '../evaluation/sample-redrive';
import { RulesReadModel } from '../rules/rules.read-model';
import { AlertQueries } from './alert-queries';
import { NotificationLog } from './notification-log';
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
    private readonly db: Database,
    private readonly gate: SampleGate,
    private readonly evaluation: AlertEvaluation,
    private readonly rules: RulesReadModel,
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
      // Its own DLQ: list, show, purge, and redrive (recorded in alerting.dlq_redriven).
      ...serveDeadLetters(this.bus, this.obs, 'alert-svc', this.redrives()).subscriptions,
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

  /** The sample batches the evaluator parks, the events its projections park, and those its in-memory readers park. */
  private redrives() {
    const ledger = new RedriveLedger(this.db, 'alerting');
    return [
      new SampleRedrive(this.bus.topology, this.gate, this.evaluation, ledger),
      this.gate.identitiesRedrive(ledger),
      this.alerts.redriveHandler(ledger),
      this.silences.redriveHandler(ledger),
      this.rules.redriveHandler(ledger),
      // The evaluators' and the dispatcher's in-memory readers (see rereadRedrive).
      rereadRedrive(
        { node: nodeEvents, backup: backupEvents, alert: alertEvents } as Record<string, EventCatalog<DomainEvent>>,
        this.bus.topology.streams.events,
        ledger,
      ),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
  }
}
