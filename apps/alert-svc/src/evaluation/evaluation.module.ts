import { Module } from '@nestjs/common';
import { RulesModule } from '../rules/rules.module';
import { AlertEvaluation } from './alert-evaluation';

/** The streaming evaluator, reading the rules from their read model. */
@Module({
  imports: [RulesModule],
  providers: [AlertEvaluation],
})
export class EvaluationModule {}
