import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import { ruleOperations } from '@vigil/contracts';
import { serveQuery } from '@vigil/messaging';
import { Bus, Observability, rpcServerDeps } from '@vigil/platform';
import { AlertingState } from '../alerting.state';

/** The rule operations over NATS request/reply (queue group: replicas share them). */
@Injectable()
export class RulesApi implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly obs: Observability,
    private readonly state: AlertingState,
  ) {}

  onApplicationBootstrap(): void {
    const deps = rpcServerDeps(this.bus, this.obs);
    const { rules } = this.state;
    this.subscriptions = [
      serveQuery(deps, ruleOperations.apply, (r) => rules.apply(r.rules, r)),
      serveQuery(deps, ruleOperations.upsert, (r) =>
        rules.run({ type: 'UpsertRule', rule: r.rule }, r.rule.id, r.actor),
      ),
      serveQuery(deps, ruleOperations.enable, (r) =>
        rules.run({ type: 'EnableRule', ruleId: r.ruleId }, r.ruleId, r.actor),
      ),
      serveQuery(deps, ruleOperations.disable, (r) =>
        rules.run({ type: 'DisableRule', ruleId: r.ruleId }, r.ruleId, r.actor),
      ),
      serveQuery(deps, ruleOperations.delete, (r) =>
        rules.run({ type: 'DeleteRule', ruleId: r.ruleId }, r.ruleId, r.actor),
      ),
      serveQuery(deps, ruleOperations.list, async () => ({ rules: await rules.list() })),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
  }
}
