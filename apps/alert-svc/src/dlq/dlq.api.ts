import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import { alertEvents, backupEvents, type DomainEvent, type EventCatalog, nodeEvents } from '@vigil/contracts';
import { Bus, Database, Observability, RedriveLedger, rereadRedrive, serveDeadLetters } from '@vigil/platform';
import { AlertEvaluation } from '../evaluation/alert-evaluation';
import { SampleGate } from '../evaluation/sample-gate';
import { SampleRedrive } from '../evaluation/sample-redrive';
import { AlertQueries } from '../notify/alert-queries';
import { RulesReadModel } from '../rules/rules.read-model';
import { SilenceQueries } from '../silences/silences.read-model';

/**
 * alert-svc's own DLQ over NATS: list, show, purge, and redrive (recorded in
 * alerting.dlq_redriven). The one place that knows every reader that parks: the evaluator's
 * sample batches, the projections' events and the in-memory readers' events; it stands apart
 * so that neither the evaluation nor the notification pipeline imports the other.
 */
@Injectable()
export class DlqApi implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly obs: Observability,
    private readonly db: Database,
    private readonly gate: SampleGate,
    private readonly evaluation: AlertEvaluation,
    private readonly alerts: AlertQueries,
    private readonly silences: SilenceQueries,
    private readonly rules: RulesReadModel,
  ) {}

  onApplicationBootstrap(): void {
    this.subscriptions = serveDeadLetters(this.bus, this.obs, 'alert-svc', this.redrives()).subscriptions;
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
