import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { type RuleEvent, ruleEvents } from '@vigil/contracts';
import { EventStore, ProjectionRunner } from '@vigil/event-store';
import { Bus, Database, InjectConfig, Observability, type ServiceConfig } from '@vigil/platform';
import type { AlertEnv } from './config';
import { loadDefaultRules } from './rules/default-rules';
import { RuleCommands } from './rules/rule.commands';
import { rulesProjection } from './projections/rules.projection';

/** The rule aggregates' event store and commands, and the rules read model. */
@Injectable()
export class AlertingState implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly rules: RuleCommands;
  readonly rulesProjection: ProjectionRunner<RuleEvent>;
  /** Told each rule id whose change this replica's read model has committed. */
  readonly ruleListeners: ((ruleId: string) => void)[] = [];

  constructor(
    bus: Bus,
    db: Database,
    obs: Observability,
    @InjectConfig() private readonly config: ServiceConfig & AlertEnv,
  ) {
    this.rulesProjection = new ProjectionRunner(
      {
        js: bus.js,
        dataSource: db.dataSource,
        checkpointTable: 'alerting.projection_checkpoints',
        stream: bus.topology.streams.events,
        filterSubject: bus.topology.subjects.eventsOf('rule'),
        dlq: bus.dlq,
        logger: obs.logger,
      },
      rulesProjection((ruleId) => {
        for (const listener of this.ruleListeners) listener(ruleId);
      }),
    );
    this.rules = new RuleCommands(
      new EventStore(bus.js, bus.jsm, bus.topology, 'rule', ruleEvents),
      this.rulesProjection,
      bus,
      db,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.rulesProjection.start();
    if (this.config.VIGIL_ALERT_DEFAULT_RULES) {
      for (const rule of loadDefaultRules())
        await this.rules.run({ type: 'SeedRule', rule }, rule.id, 'service:alert-svc');
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.rulesProjection.stop();
  }
}
