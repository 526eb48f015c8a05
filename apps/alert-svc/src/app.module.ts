import { Module } from '@nestjs/common';
import { PlatformModule } from '@vigil/platform';
import { AlertEnv } from './config';
import { EvaluationModule } from './evaluation/evaluation.module';
import { AlertingInit1764400000000 } from './migrations/1764400000000-alerting-init';
import { Notifications1764500000000 } from './migrations/1764500000000-notifications';
import { SilencesAlertHistory1764600000000 } from './migrations/1764600000000-silences-alert-history';
import { NodeIdentities1765100000000 } from './migrations/1765100000000-node-identities';
import { AlertingReplayMarks1765519200000 } from './migrations/1765519200000-replay-marks';
import { AlertingReplayMarksPruning1766200000002 } from './migrations/1766200000002-replay-marks-pruning';
import { AlertingDlqRedriven1766300000000 } from './migrations/1766300000000-alerting-dlq-redriven';
import { DlqModule } from './dlq/dlq.module';
import { NotifyModule } from './notify/notify.module';
import { RulesModule } from './rules/rules.module';
import { SilencesModule } from './silences/silences.module';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'alert-svc',
      portVariable: 'VIGIL_ALERT_PORT',
      defaultPort: 8083,
      database: {
        schema: 'alerting',
        migrations: [
          AlertingInit1764400000000,
          Notifications1764500000000,
          SilencesAlertHistory1764600000000,
          NodeIdentities1765100000000,
          AlertingReplayMarks1765519200000,
          AlertingReplayMarksPruning1766200000002,
          AlertingDlqRedriven1766300000000,
        ],
      },
      env: AlertEnv,
    }),
    RulesModule,
    SilencesModule,
    EvaluationModule,
    NotifyModule,
    DlqModule,
  ],
})
export class AppModule {}
