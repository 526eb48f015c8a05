import { Module } from '@nestjs/common';
import { PlatformModule } from '@vigil/platform';
import { BackupApi } from './api/backup.api';
import { BackupEnv } from './config';
import { JobCommands } from './jobs/job.commands';
import { JobsReadModel } from './jobs/jobs.read-model';
import { BackupInit1767000000000 } from './migrations/1767000000000-backup-init';
import { BackupMetrics } from './runs/backup.metrics';
import { BackupRunner } from './runs/backup-runner';
import { RunsReadModel } from './runs/runs.read-model';
import { BackupScheduler } from './schedule/backup-scheduler';

/** Backup jobs, their runs and restore drills, on a schedule and on demand. */
@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'backup-svc',
      portVariable: 'VIGIL_BACKUP_PORT',
      defaultPort: 8084,
      database: { schema: 'backup', migrations: [BackupInit1767000000000] },
      env: BackupEnv,
    }),
  ],
  providers: [JobsReadModel, RunsReadModel, JobCommands, BackupRunner, BackupScheduler, BackupMetrics, BackupApi],
})
export class AppModule {}
