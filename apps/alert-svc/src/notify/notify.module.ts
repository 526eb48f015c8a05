import { Module } from '@nestjs/common';
import { NotifyApi } from './notify.api';
import { EvaluationModule } from '../evaluation/evaluation.module';
import { RulesModule } from '../rules/rules.module';
import { SilencesModule } from '../silences/silences.module';
import { AlertQueries } from './alert-queries';
import { NotificationLog } from './notification-log';
import { NotificationDispatcher } from './pipeline/dispatcher';
import { Receivers } from './pipeline/receivers';

/** The notification pipeline, its log, the alerts read model, their operations over NATS, and the DLQ's. */
@Module({
  imports: [SilencesModule, EvaluationModule, RulesModule],
  providers: [Receivers, NotificationLog, AlertQueries, NotificationDispatcher, NotifyApi],
})
export class NotifyModule {}
