import { Module } from '@nestjs/common';
import { SecurityViolations } from '@vigil/platform';
import { RulesModule } from '../rules/rules.module';
import { AlertEvaluation } from './alert-evaluation';
import { RulePreviewApi } from './rule-preview.api';
import { SampleGate } from './sample-gate';

/**
 * The streaming evaluator, reading the rules from their read model and the samples through the
 * identity gate; and the preview of a proposed rule through the same evaluators.
 */
@Module({
  imports: [RulesModule],
  providers: [AlertEvaluation, SampleGate, SecurityViolations, RulePreviewApi],
  exports: [AlertEvaluation, SampleGate],
})
export class EvaluationModule {}
