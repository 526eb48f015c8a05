import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import { backupOperations, IllegalStateError, NotFoundError } from '@vigil/contracts';
import { serveQuery } from '@vigil/messaging';
import { Bus, Observability, rpcServerDeps } from '@vigil/platform';
import { JobCommands } from '../jobs/job.commands';
import { JobsReadModel } from '../jobs/jobs.read-model';
import { BackupRunner } from '../runs/backup-runner';
import { RunsReadModel } from '../runs/runs.read-model';

/** backup-svc's operations over NATS request/reply (queue group: replicas share them). */
@Injectable()
export class BackupApi implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly obs: Observability,
    private readonly commands: JobCommands,
    private readonly jobs: JobsReadModel,
    private readonly runs: RunsReadModel,
    private readonly runner: BackupRunner,
  ) {}

  onApplicationBootstrap(): void {
    const deps = rpcServerDeps(this.bus, this.obs);
    const { commands, jobs, runs, runner } = this;
    const jobOf = async (jobId: string) => {
      const view = await jobs.get(jobId);
      if (!view) throw new NotFoundError(`no backup job "${jobId}"`);
      return view.job;
    };
    this.subscriptions = [
      serveQuery(deps, backupOperations.listJobs, async () => ({ jobs: await jobs.list() })),
      serveQuery(deps, backupOperations.upsertJob, (r) => commands.upsert(r.job, r.actor)),
      serveQuery(deps, backupOperations.pauseJob, (r) =>
        commands.run({ type: 'PauseJob', jobId: r.jobId }, r.jobId, r.actor),
      ),
      serveQuery(deps, backupOperations.resumeJob, (r) =>
        commands.run({ type: 'ResumeJob', jobId: r.jobId }, r.jobId, r.actor),
      ),
      serveQuery(deps, backupOperations.deleteJob, (r) =>
        commands.run({ type: 'DeleteJob', jobId: r.jobId }, r.jobId, r.actor),
      ),
      serveQuery(deps, backupOperations.runJob, async (r) => {
        const { runId } = await runner.start(await jobOf(r.jobId), 'manual', undefined, r.actor);
        return { runId };
      }),
      serveQuery(deps, backupOperations.listRuns, async (r) => ({
        runs: await runs.list({ jobId: r.jobId, limit: r.limit }),
      })),
      serveQuery(deps, backupOperations.verifyRun, async (r) => {
        const run = await runs.get(r.runId);
        if (!run) throw new NotFoundError(`no backup run "${r.runId}"`);
        if (run.state !== 'succeeded' || run.prunedAt)
          throw new IllegalStateError(
            `backup run ${r.runId} is ${run.prunedAt ? 'pruned' : run.state}: nothing to verify`,
          );
        runner.startDrill(await jobOf(run.jobId), r.runId, r.actor);
        return { runId: r.runId };
      }),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
  }
}
