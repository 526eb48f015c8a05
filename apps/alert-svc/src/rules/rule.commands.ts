import {
  type AlertRule,
  type ApplyRulesReply,
  type RuleChange,
  type RuleEvent,
  type RuleView,
  ValidationError,
} from '@vigil/contracts';
import { CommandHandler, commandMeta, type EventStore, type ProjectionRunner } from '@vigil/event-store';
import type { Bus, Database } from '@vigil/platform';
import { ruleDecider, type RuleCommand, type RuleState } from '../domain/rule/rule.decider';
import { diffRules } from '../domain/rule/rule-diff';
import { annotationProblems } from '../domain/rule/templates';

interface RuleRow {
  rule: AlertRule;
  version: number;
  created_at: Date;
  updated_at: Date;
  updated_by: string;
}

/** Changes to alert rules (through the event store) and the rules read model. */
export class RuleCommands {
  private readonly handler: CommandHandler<RuleEvent, RuleState, RuleCommand>;

  constructor(
    store: EventStore<RuleEvent>,
    private readonly projection: ProjectionRunner<RuleEvent>,
    private readonly bus: Bus,
    private readonly db: Database,
  ) {
    this.handler = new CommandHandler(store, ruleDecider);
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
    const current = await this.list();
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

  /** Every rule, from the read model once it has applied every rule event the stream holds now. */
  async list(): Promise<RuleView[]> {
    await this.projection.catchUp(this.bus.jsm);
    const rows = await this.db.query<RuleRow>(
      'rules_list',
      'SELECT rule, version, created_at, updated_at, updated_by FROM alerting.rules ORDER BY id',
    );
    return rows.map((r) => ({
      rule: r.rule,
      version: r.version,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      updatedBy: r.updated_by,
    }));
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

/** Annotations are templates: one the renderer cannot read is refused, naming it. */
function refuseBadTemplates(rule: AlertRule): void {
  const [problem] = annotationProblems(rule.annotations);
  if (problem) throw new ValidationError(`rule ${rule.id}: annotation ${problem.annotation}: ${problem.message}`);
}

const CHANGE_OF: Record<RuleEvent['type'], RuleChange['change']> = {
  'rule.created': 'create',
  'rule.updated': 'update',
  'rule.enabled': 'enable',
  'rule.disabled': 'disable',
  'rule.deleted': 'delete',
};
