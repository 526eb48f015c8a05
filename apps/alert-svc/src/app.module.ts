import { Module } from '@nestjs/common';
import { PlatformModule } from '@vigil/platform';
import { AlertingState } from './alerting.state';
import { AlertEnv } from './config';
import { RulesApi } from './api/rules.api';
import { AlertEvaluation } from './evaluation/alert-evaluation';
import { AlertingInit1764400000000 } from './migrations/1764400000000-alerting-init';
import { Notifications1764500000000 } from './migrations/1764500000000-notifications';
import { SilencesAlertHistory1764600000000 } from './migrations/1764600000000-silences-alert-history';
import { NotifyApi } from './api/notify.api';
import { NotifyState } from './notify/notify.state';
import { NotificationDispatcher } from './notify/pipeline/dispatcher';
import { Receivers } from './notify/pipeline/receivers';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'alert-svc',
      portVariable: 'VIGIL_ALERT_PORT',
      defaultPort: 8083,
      database: {
        schema: 'alerting',
        migrations: [AlertingInit1764400000000, Notifications1764500000000, SilencesAlertHistory1764600000000],
      },
      env: AlertEnv,
    }),
  ],
  providers: [AlertingState, RulesApi, AlertEvaluation, Receivers, NotifyState, NotificationDispatcher, NotifyApi],
})
export class AppModule {}
