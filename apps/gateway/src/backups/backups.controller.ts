import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  backupOperations,
  type BackupJobView,
  type BackupRunView,
  type JobChange,
  ValidationError,
} from '@vigil/contracts';
import { Access } from '../auth/access';
import { Actor } from '../auth/principal';
import { ApiSchemas } from '../http/api-schemas';
import { ServiceClient } from '../http/service-client';

/**
 * Backup jobs, their runs and restore drills over REST (backup-svc answers over NATS). Reading
 * needs the role viewer; changing a job, running it and starting a drill, operator. Every change
 * is recorded as made by the authenticated caller. Backups are of the whole platform: a key scoped
 * to some nodes' labels has no access.
 */
@Controller('api/v1/backups')
@Access('viewer')
export class BackupsController {
  constructor(private readonly services: ServiceClient) {}

  @Get('jobs')
  async jobs(): Promise<{ jobs: BackupJobView[] }> {
    return this.services.ask(backupOperations.listJobs, {});
  }

  /** Creates or replaces one job; the body is the job, its `id` the one in the path. */
  @Put('jobs/:id')
  @ApiSchemas({ body: backupOperations.upsertJob.request.shape.job, summary: 'Create or replace a backup job' })
  @Access('operator')
  upsert(
    @Param('id') id: string,
    @Body() job: Record<string, unknown> | undefined,
    @Actor() actor: string,
  ): Promise<JobChange> {
    if (job?.id !== undefined && job.id !== id)
      throw new ValidationError(`the job's id "${String(job.id)}" is not the one in the path ("${id}")`);
    return this.services.ask(backupOperations.upsertJob, { job: { ...job, id }, actor });
  }

  @Post('jobs/:id/pause')
  @Access('operator')
  @HttpCode(200)
  pause(@Param('id') jobId: string, @Actor() actor: string): Promise<JobChange> {
    return this.services.ask(backupOperations.pauseJob, { jobId, actor });
  }

  @Post('jobs/:id/resume')
  @Access('operator')
  @HttpCode(200)
  resume(@Param('id') jobId: string, @Actor() actor: string): Promise<JobChange> {
    return this.services.ask(backupOperations.resumeJob, { jobId, actor });
  }

  @Delete('jobs/:id')
  @Access('operator')
  remove(@Param('id') jobId: string, @Actor() actor: string): Promise<JobChange> {
    return this.services.ask(backupOperations.deleteJob, { jobId, actor });
  }

  /** Starts a run now (202); its outcome arrives as an event, and in `GET runs`. */
  @Post('jobs/:id/run')
  @Access('operator')
  @HttpCode(202)
  run(@Param('id') jobId: string, @Actor() actor: string): Promise<{ runId: string }> {
    return this.services.ask(backupOperations.runJob, { jobId, actor });
  }

  /** Runs, newest first: `?job=<id>`, `limit` (at most 500). */
  @Get('runs')
  @ApiSchemas({ query: backupOperations.listRuns.request, summary: 'Backup runs, newest first' })
  runs(@Query('job') jobId?: string, @Query('limit') limit?: string): Promise<{ runs: BackupRunView[] }> {
    return this.services.ask(backupOperations.listRuns, {
      jobId,
      limit: limit === undefined ? undefined : /^\d+$/.test(limit) ? Number(limit) : limit,
    });
  }

  /** Starts a restore drill of a backup now (202); its outcome arrives as an event, and on the run. */
  @Post('runs/:id/verify')
  @Access('operator')
  @HttpCode(202)
  verify(@Param('id') runId: string, @Actor() actor: string): Promise<{ runId: string }> {
    return this.services.ask(backupOperations.verifyRun, { runId, actor });
  }
}
