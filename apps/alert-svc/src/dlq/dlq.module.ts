import { Module } from '@nestjs/common';
import { EvaluationModule } from '../evaluation/evaluation.module';
import { NotifyModule } from '../notify/notify.module';
import { RulesModule } from '../rules/rules.module';
import { SilencesModule } from '../silences/silences.module';
import { DlqApi } from './dlq.api';

/** alert-svc's DLQ operations (DlqApi). */
@Module({
  imports: [EvaluationModule, NotifyModule, RulesModule, SilencesModule],
  providers: [DlqApi],
})
export class DlqModule {}
