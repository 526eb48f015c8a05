import { Module } from '@nestjs/common';
import { RulesApi } from './rules.api';
import { RuleCommands } from './rule.commands';
import { RulesReadModel } from './rules.read-model';

/** Alert rules: their commands, their read model and the rule operations over NATS. */
@Module({
  providers: [RulesReadModel, RuleCommands, RulesApi],
  exports: [RulesReadModel],
})
export class RulesModule {}
