import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { BackupJobView } from '@vigil/contracts';
import { Cache, InjectConfig, LeasedSchedule, Observability, RedisLease, type ServiceConfig } from '@vigil/platform';
import type { BackupEnv } from '../config';
import { JobsReadModel } from '../jobs/jobs.read-model';
import { decideRetention, type KeptBackup } from '../retention/retention';
import { BackupRunner } from '../runs/backup-runner';
import { RunsReadModel } from '../runs/runs.read-model';
import { dueSlot } from './schedule';

const SERVICE = 'service:backup-svc';

/**
 * The scheduler, on one replica at a time (a Redis lease): each tick fails the runs whose runner
 * died, then for every job not paused starts the backup its schedule made due (once, however many
 * times were missed), starts the restore drill its verify schedule made due (on its newest
 * backup), and applies its retention (removing also what failed runs left published).
 */
@Injectable()
export class BackupScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly schedule: LeasedSchedule;

  constructor(
    private readonly jobs: JobsReadModel,
    private readonly runs: RunsReadModel,
    private readonly runner: BackupRunner,
    private readonly cache: Cache,
    private readonly obs: Observability,
    @InjectConfig() private readonly config: ServiceConfig & BackupEnv,
  ) {
    const tick = config.VIGIL_BACKUP_TICK_MS;
    this.schedule = new LeasedSchedule(
      new RedisLease(cache.redis, cache.key('backup', 'scheduler'), tick * 3),
      tick,
      () => this.tick(new Date()),
      (e) => obs.logger.error({ err: e }, 'backup scheduler tick failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.schedule.stop();
  }

  async tick(now: Date): Promise<void> {
    await this.runs.catchUp();
    await this.runner.failOrphans();
    for (const view of await this.jobs.list()) {
      if (view.paused) continue;
      try {
        const marks = await this.runs.scheduleMarks(view.job.id);
        await this.scheduleRun(view, marks.lastScheduled, now);
        const kept = await this.runs.kept(view.job.id);
        await this.scheduleDrill(view, marks.lastDrill, kept[0]?.runId, now);
        await this.applyRetention(view, kept, now);
      } catch (e) {
        this.obs.logger.error({ job: view.job.id, err: e }, 'backup job scheduling failed');
      }
    }
  }

  private async scheduleRun(view: BackupJobView, lastScheduled: Date | undefined, now: Date): Promise<void> {
    const { job } = view;
    // Times before the job was last changed (created, resumed) are not owed.
    const since = latest(lastScheduled, new Date(view.updatedAt));
    const slot = dueSlot(job.schedule, since, now);
    if (!slot) return;
    const late = now.getTime() - slot.getTime() > this.config.VIGIL_BACKUP_SCHEDULE_GRACE_MS;
    const { runId, started } = await this.runner.start(job, late ? 'catch-up' : 'schedule', slot, SERVICE);
    if (started) this.obs.logger.info({ job: job.id, run: runId, slot, late }, 'scheduled backup started');
  }

  private async scheduleDrill(
    view: BackupJobView,
    lastDrill: Date | undefined,
    newest: string | undefined,
    now: Date,
  ): Promise<void> {
    const { job } = view;
    const slot = dueSlot(job.verifySchedule, latest(lastDrill, new Date(view.createdAt)), now);
    if (!slot) return;
    // No backup yet: the drill waits for the first one (and then runs at once).
    if (!newest || this.runner.isActive(`drill:${newest}`)) return;
    // One drill per job and schedule time, whichever replica holds the lease meanwhile.
    const claimed = await this.cache.redis.set(
      this.cache.key('backup', 'drill', job.id, String(slot.getTime())),
      '1',
      'PX',
      7 * 86_400_000,
      'NX',
    );
    if (claimed !== 'OK') return;
    this.runner.startDrill(job, newest, SERVICE);
    this.obs.logger.info({ job: job.id, run: newest, slot }, 'scheduled restore drill started');
  }

  private async applyRetention(view: BackupJobView, kept: KeptBackup[], now: Date): Promise<void> {
    const { job } = view;
    const store = this.runner.storeFor(job);
    const decision = decideRetention(kept, job.retention, job.schedule.timeZone);
    for (const { runId, why } of decision.prune) {
      if (this.runner.isActive(`drill:${runId}`)) continue;
      await store.remove(runId);
      await this.runner.recordPruned(runId, now, why);
    }
    const failed = await this.runs.failedIds(job.id);
    for (const id of await store.list()) {
      if (failed.has(id)) {
        await store.remove(id);
        this.obs.logger.warn({ job: job.id, run: id }, 'removed what a failed run had published');
      }
    }
    // Staging areas of runs no one writes any more (their runner died; the run was failed above).
    const running = await this.runs.runningIds(job.id);
    const swept = await store.sweep(
      (id) => running.has(id) || this.runner.isActive(id),
      this.config.VIGIL_BACKUP_ORPHAN_MS,
    );
    if (swept > 0) this.obs.logger.warn({ job: job.id, swept }, 'removed what unfinished runs had left');
  }
}

const latest = (a: Date | undefined, b: Date): Date => (a && a > b ? a : b);
