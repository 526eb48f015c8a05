import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { AlertRule, RuleEvent, RuleView } from '@vigil/contracts';
import type { ProjectionRunner } from '@vigil/event-store';
import { Bus, Database, Observability, projectionRunner } from '@vigil/platform';
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
export class RulesReadModel implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner: ProjectionRunner<RuleEvent>;
  private readonly listeners: ((ruleId: string) => void)[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    obs: Observability,
  ) {
    this.runner = projectionRunner(
      { bus, db, obs },
      'alerting',
      'rule',
      rulesProjection((ruleId) => {
        for (const listener of this.listeners) listener(ruleId);
      }),
    );
  }

  /** Tells `listener` each rule id whose change this replica's read model has committed. */
  onChange(listener: (ruleId: string) => void): void {
    this.listeners.push(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
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
