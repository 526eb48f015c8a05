import {
  type AlertRule,
  type ApplyRulesReply,
  type EventMeta,
  type RuleChange,
  type RuleEvent,
  type RuleView,
  uuidv7,
} from '@vigil/contracts';
import { CommandHandler, type EventStore, type ProjectionRunner } from '@vigil/event-store';
import type { Bus, Database } from '@vigil/platform';
import { currentTraceId } from '@vigil/telemetry';
import { ruleDecider, type RuleCommand, type RuleState } from './rule.decider';
import { ruleDifferences } from './rule-equality';

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
    const events = await this.handler.handle(ruleId, command, meta(actor));
    return { ruleId, change: events.length === 0 ? 'unchanged' : CHANGE_OF[events[0].type], fields: [] };
  }

  /**
   * Makes the rules what `rules` says (with `prune`, deleting the others). The changes are
   * computed against the read model once it has caught up with the event stream; each is
   * then decided against its aggregate's own events, so a concurrent change is not lost.
   */
  async apply(rules: AlertRule[], opts: { prune: boolean; dryRun: boolean; actor: string }): Promise<ApplyRulesReply> {
    const current = new Map((await this.list()).map((v) => [v.rule.id, v.rule]));
    const planned: { change: RuleChange; command?: RuleCommand }[] = [];
    for (const rule of rules) {
      const existing = current.get(rule.id);
      if (!existing) {
        planned.push({ change: { ruleId: rule.id, change: 'create', fields: [] }, command: { type: 'UpsertRule', rule } });
        continue;
      }
      const fields = ruleDifferences(existing, rule);
      if (fields.length === 0) planned.push({ change: { ruleId: rule.id, change: 'unchanged', fields } });
      else if (fields.length === 1 && fields[0] === 'enabled') {
        const command: RuleCommand = rule.enabled ? { type: 'EnableRule', ruleId: rule.id } : { type: 'DisableRule', ruleId: rule.id };
        planned.push({ change: { ruleId: rule.id, change: rule.enabled ? 'enable' : 'disable', fields }, command });
      } else planned.push({ change: { ruleId: rule.id, change: 'update', fields }, command: { type: 'UpsertRule', rule } });
    }
    if (opts.prune) {
      const wanted = new Set(rules.map((r) => r.id));
      for (const id of current.keys()) {
        if (!wanted.has(id)) planned.push({ change: { ruleId: id, change: 'delete', fields: [] }, command: { type: 'DeleteRule', ruleId: id } });
      }
    }
    if (!opts.dryRun) {
      const m = meta(opts.actor);
      for (const { change, command } of planned) if (command) await this.handler.handle(change.ruleId, command, m);
    }
    return { changes: planned.map((p) => p.change), applied: !opts.dryRun };
  }

  /** Every rule, from the read model once it has applied everything the stream holds now. */
  async list(): Promise<RuleView[]> {
    const info = await this.bus.jsm.streams.info(this.bus.topology.streams.events);
    await this.projection.waitFor(info.state.last_seq, 10_000).catch(() => undefined);
    const rows = await this.db.query<RuleRow>('rules_list', 'SELECT rule, version, created_at, updated_at, updated_by FROM alerting.rules ORDER BY id');
    return rows.map((r) => ({
      rule: r.rule,
      version: r.version,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      updatedBy: r.updated_by,
    }));
  }
}

const CHANGE_OF: Record<RuleEvent['type'], RuleChange['change']> = {
  'rule.created': 'create',
  'rule.updated': 'update',
  'rule.enabled': 'enable',
  'rule.disabled': 'disable',
  'rule.deleted': 'delete',
};

function meta(actor: string): EventMeta {
  return { correlationId: currentTraceId() ?? uuidv7(), causationId: null, actor };
}
