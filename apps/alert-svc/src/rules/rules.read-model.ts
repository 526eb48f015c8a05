import { Injectable } from '@nestjs/common';
import { type AlertRule, type RuleEvent, type RuleView, storedRuleProblem } from '@vigil/contracts';
import { Gauge } from 'prom-client';
import { Bus, Database, Observability, ReadModel } from '@vigil/platform';
import { rulesProjection } from './rules.projection';

interface RuleRow {
  rule: AlertRule;
  version: number;
  created_at: Date;
  updated_at: Date;
  updated_by: string;
}

/**
 * The rules read model (`alerting.rules`), kept by this replica's projection runner. A stored
 * rule today's contract refuses (a pattern RE2 refuses, a bound added since) is listed with
 * `invalid` saying why, logged when its event is applied and counted in `vigil_alert_rules_invalid`.
 */
@Injectable()
export class RulesReadModel extends ReadModel<RuleEvent, string> {
  private readonly invalidRules: Gauge;

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    obs: Observability,
  ) {
    // Subscribers hear each rule id whose change this replica's read model has committed.
    super({ bus, db, obs }, 'alerting', 'rule', (changed) =>
      rulesProjection(changed, (rule, problem) =>
        obs.logger.warn({ rule, problem }, 'stored alert rule refused by the contract: kept, not evaluated'),
      ),
    );
    this.invalidRules =
      (obs.registry.getSingleMetric('vigil_alert_rules_invalid') as Gauge | undefined) ??
      new Gauge({
        name: 'vigil_alert_rules_invalid',
        help: 'Stored alert rules the contract refuses today (kept and shown as invalid, not evaluated)',
        registers: [obs.registry],
      });
  }

  /** Every rule, from the read model once it has applied every rule event the stream holds now. */
  async list(): Promise<RuleView[]> {
    await this.runner.catchUp(this.bus.jsm);
    const rows = await this.db.query<RuleRow>(
      'rules_list',
      'SELECT rule, version, created_at, updated_at, updated_by FROM alerting.rules ORDER BY id',
    );
    const views = rows.map((r): RuleView => {
      const invalid = storedRuleProblem(r.rule);
      return {
        rule: r.rule,
        ...(invalid === undefined ? {} : { invalid }),
        version: r.version,
        createdAt: r.created_at.toISOString(),
        updatedAt: r.updated_at.toISOString(),
        updatedBy: r.updated_by,
      };
    });
    this.invalidRules.set(views.filter((v) => v.invalid !== undefined).length);
    return views;
  }
}
