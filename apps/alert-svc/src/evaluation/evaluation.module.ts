import { Module } from '@nestjs/common';
import { SecurityViolations } from '@vigil/platform';
import { RulesModule } from '../rules/rules.module';
import { AlertEvaluation } from './alert-evaluation';
import { SampleGate } from './sample-gate';

/** The streaming evaluator, reading the rules from their read model and the samples through the identity gate. */
@Module({
  imports: [RulesModule],
  providers: [AlertEvaluation, SampleGate, SecurityViolations],
  exports: [AlertEvaluation, SampleGate],
})
export class EvaluationModule {}
