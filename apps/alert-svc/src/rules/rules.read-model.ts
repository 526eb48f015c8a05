import { Injectable } from '@nestjs/common';
import type { AlertRule, RuleEvent, RuleView } from '@vigil/contracts';
import { Bus, Database, Observability, ReadModel } from '@vigil/platform';
import { rulesProjection } from './rules.projection';

interface RuleRow {
  rule: AlertRule;
  version: number;
  created_at: Date;
  updated_at: Date;
  updated_by: string;
}

/** The rules read model (`alerting.rules`), kept by this replica's projection runner. */
@Injectable()
export class RulesReadModel extends ReadModel<RuleEvent, string> {
  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    obs: Observability,
  ) {
    // Subscribers hear each rule id whose change this replica's read model has committed.
    super({ bus, db, obs }, 'alerting', 'rule', rulesProjection);
  }

  /** Every rule, from the read model once it has applied every rule event the stream holds now. */
  async list(): Promise<RuleView[]> {
    await this.runner.catchUp(this.bus.jsm);
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
