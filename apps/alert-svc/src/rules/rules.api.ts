import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import { ruleOperations } from '@vigil/contracts';
import { serveQuery } from '@vigil/messaging';
import { Bus, Observability, rpcServerDeps } from '@vigil/platform';
import { RuleCommands } from './rule.commands';
import { RulesReadModel } from './rules.read-model';

/** The rule operations over NATS request/reply (queue group: replicas share them). */
@Injectable()
export class RulesApi implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly obs: Observability,
    private readonly commands: RuleCommands,
    private readonly rules: RulesReadModel,
  ) {}

  onApplicationBootstrap(): void {
    const deps = rpcServerDeps(this.bus, this.obs);
    const { commands, rules } = this;
    this.subscriptions = [
      serveQuery(deps, ruleOperations.apply, (r) => commands.apply(r.rules, r)),
      serveQuery(deps, ruleOperations.upsert, (r) =>
        commands.run({ type: 'UpsertRule', rule: r.rule }, r.rule.id, r.actor),
      ),
      serveQuery(deps, ruleOperations.enable, (r) =>
        commands.run({ type: 'EnableRule', ruleId: r.ruleId }, r.ruleId, r.actor),
      ),
      serveQuery(deps, ruleOperations.disable, (r) =>
        commands.run({ type: 'DisableRule', ruleId: r.ruleId }, r.ruleId, r.actor),
      ),
      serveQuery(deps, ruleOperations.delete, (r) =>
        commands.run({ type: 'DeleteRule', ruleId: r.ruleId }, r.ruleId, r.actor),
      ),
      serveQuery(deps, ruleOperations.list, async () => ({ rules: await rules.list() })),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
  }
}
