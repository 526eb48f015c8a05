import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { type AlertRule, type ApplyRulesReply, type RuleChange, type RuleEvent, ruleEvents } from '@vigil/contracts';
import { CommandHandler, commandMeta, EventStore } from '@vigil/event-store';
import { Bus, InjectConfig, type ServiceConfig } from '@vigil/platform';
import type { AlertEnv } from '../config';
import { ruleDecider, type RuleCommand, type RuleState } from '../domain/rule/rule.decider';
import { diffRules } from '../domain/rule/rule-diff';
import { refuseBadTemplates } from '../domain/rule/templates';
import { loadDefaultRules } from './default-rules';
import { RulesReadModel } from './rules.read-model';

/** Changes to alert rules, through the event store; the default rules seeded at boot when configured. */
@Injectable()
export class RuleCommands implements OnApplicationBootstrap {
  private readonly handler: CommandHandler<RuleEvent, RuleState, RuleCommand>;

  constructor(
    bus: Bus,
    private readonly readModel: RulesReadModel,
    @InjectConfig() private readonly config: ServiceConfig & AlertEnv,
  ) {
    this.handler = new CommandHandler(new EventStore(bus.js, bus.jsm, bus.topology, 'rule', ruleEvents), ruleDecider);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.VIGIL_ALERT_DEFAULT_RULES) return;
    for (const rule of loadDefaultRules()) await this.run({ type: 'SeedRule', rule }, rule.id, 'service:alert-svc');
  }

  /** Runs one command; the change it made (`unchanged` when it decided nothing). */
  async run(command: RuleCommand, ruleId: string, actor: string): Promise<RuleChange> {
    if (command.type === 'UpsertRule' || command.type === 'SeedRule') refuseBadTemplates(command.rule);
    const events = await this.handler.handle(ruleId, command, commandMeta(actor));
    return { ruleId, change: events.length === 0 ? 'unchanged' : CHANGE_OF[events[0].type], fields: [] };
  }

  /**
   * Makes the rules what `rules` says (with `prune`, deleting the others). The changes are
   * computed against the read model once it has caught up with the event stream; each is
   * then decided against its aggregate's own events, so a concurrent change is not lost.
   */
  async apply(rules: AlertRule[], opts: { prune: boolean; dryRun: boolean; actor: string }): Promise<ApplyRulesReply> {
    for (const rule of rules) refuseBadTemplates(rule);
    const current = await this.readModel.list();
    const changes = diffRules(
      current.map((v) => v.rule),
      rules,
      opts.prune,
    );
    if (!opts.dryRun) {
      const m = commandMeta(opts.actor);
      const byId = new Map(rules.map((r) => [r.id, r]));
      for (const c of changes) {
        const command = commandFor(c, byId.get(c.ruleId));
        if (command) await this.handler.handle(c.ruleId, command, m);
      }
    }
    return { changes, applied: !opts.dryRun };
  }
}

/** The command that makes one planned change (none for `unchanged`). */
function commandFor(change: RuleChange, rule: AlertRule | undefined): RuleCommand | undefined {
  switch (change.change) {
    case 'create':
    case 'update':
      return rule && { type: 'UpsertRule', rule };
    case 'enable':
      return { type: 'EnableRule', ruleId: change.ruleId };
    case 'disable':
      return { type: 'DisableRule', ruleId: change.ruleId };
    case 'delete':
      return { type: 'DeleteRule', ruleId: change.ruleId };
    case 'unchanged':
      return undefined;
    default: {
      const never: never = change.change;
      return never;
    }
  }
}

const CHANGE_OF: Record<RuleEvent['type'], RuleChange['change']> = {
  'rule.created': 'create',
  'rule.updated': 'update',
  'rule.enabled': 'enable',
  'rule.disabled': 'disable',
  'rule.deleted': 'delete',
};
