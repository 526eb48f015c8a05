import { Injectable } from '@nestjs/common';
import type { BackupJob, BackupJobEvent, BackupJobView } from '@vigil/contracts';
import { Bus, Database, Observability, ReadModel } from '@vigil/platform';
import { jobsProjection } from './jobs.projection';

interface JobRow {
  job: BackupJob;
  paused: boolean;
  created_at: Date;
  updated_at: Date;
  updated_by: string;
}

const view = (r: JobRow): BackupJobView => ({
  job: r.job,
  paused: r.paused,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  updatedBy: r.updated_by,
});

/** The backup jobs read model (`backup.jobs`), kept by this replica's projection runner. */
@Injectable()
export class JobsReadModel extends ReadModel<BackupJobEvent, string> {
  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    obs: Observability,
  ) {
    super({ bus, db, obs }, 'backup', 'backupjob', jobsProjection);
  }

  /** Every job, once the read model has applied every job event the stream holds now. */
  async list(): Promise<BackupJobView[]> {
    await this.runner.catchUp(this.bus.jsm);
    const rows = await this.db.query<JobRow>(
      'backup_jobs_list',
      'SELECT job, paused, created_at, updated_at, updated_by FROM backup.jobs ORDER BY id',
    );
    return rows.map(view);
  }

  async get(jobId: string): Promise<BackupJobView | undefined> {
    await this.runner.catchUp(this.bus.jsm);
    const rows = await this.db.query<JobRow>(
      'backup_jobs_get',
      'SELECT job, paused, created_at, updated_at, updated_by FROM backup.jobs WHERE id = $1',
      [jobId],
    );
    return rows[0] && view(rows[0]);
  }
}
