import { Module } from '@nestjs/common';
import { NotifyApi } from './notify.api';
import { SilencesModule } from '../silences/silences.module';
import { AlertQueries } from './alert-queries';
import { NotificationLog } from './notification-log';
import { NotificationOutcomes } from './notification-outcomes';
import { NotificationDispatcher } from './pipeline/dispatcher';
import { Receivers } from './pipeline/receivers';

/** The notification pipeline, its log, the alerts read model and their operations over NATS. */
@Module({
  imports: [SilencesModule],
  providers: [Receivers, NotificationLog, NotificationOutcomes, AlertQueries, NotificationDispatcher, NotifyApi],
  exports: [AlertQueries],
})
export class NotifyModule {}
