import { randomBytes, randomUUID } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { type BackupEvent, type BackupJob, backupEvents, ConcurrencyError, IllegalStateError } from '@vigil/contracts';
import { CommandHandler, commandMeta, EventStore } from '@vigil/event-store';
import { Bus, Cache, InjectConfig, Observability, RedisLease, type ServiceConfig } from '@vigil/platform';
import { Histogram } from 'prom-client';
import type { BackupEnv } from '../config';
import { runDecider, type RunCommand, type RunRef, type RunState } from '../domain/run/run.decider';
import { runBackup } from '../engine/backup-run';
import { PgDumpDriver } from '../engine/postgres/pg-dump.driver';
import type { ArtifactStore } from '../engine/store/artifact-store';
import { LocalDirectoryStore } from '../engine/store/local-directory.store';
import { StepError } from '../engine/tool-error';
import { verifyBackup } from '../engine/verify';
import { RunsReadModel } from './runs.read-model';

const SERVICE = 'service:backup-svc';
/** The drill lease's time to live (renewed every third of it), and how long a drill waits for another. */
const DRILL_LEASE_MS = 30_000;
const DRILL_WAIT_MS = 30 * 60_000;

/** `2026-12-07T02:00:00.000Z` → `20261207T020000Z`. */
const compact = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/**
 * Runs backups and restore drills in this process, each recorded on its run's aggregate
 * (`events.backup.<runId>`). A scheduled run's id is its job and schedule time, so two replicas
 * that both think a time is due start it once: the second `StartRun` is refused by the event log.
 * While a run works, its runner beats in Redis; a run whose runner stopped beating is failed by
 * `failOrphans` (and what it published, if anything, removed by the scheduler's sweep).
 */
@Injectable()
export class BackupRunner implements BeforeApplicationShutdown {
  private readonly handler: CommandHandler<BackupEvent, RunState, RunCommand>;
  private readonly driver = new PgDumpDriver();
  private readonly active = new Map<string, Promise<void>>();
  private readonly owner = randomUUID();
  private readonly duration: Histogram<'job' | 'outcome'>;
  private readonly root: string;

  constructor(
    private readonly bus: Bus,
    private readonly cache: Cache,
    private readonly runs: RunsReadModel,
    private readonly obs: Observability,
    @InjectConfig() private readonly config: ServiceConfig & BackupEnv,
  ) {
    this.handler = new CommandHandler(
      new EventStore(bus.js, bus.jsm, bus.topology, 'backup', backupEvents),
      runDecider,
    );
    this.root = isAbsolute(config.VIGIL_BACKUP_ROOT) ? config.VIGIL_BACKUP_ROOT : resolve(config.VIGIL_BACKUP_ROOT);
    this.duration = new Histogram({
      name: 'vigil_backup_duration_seconds',
      help: 'How long backup runs and restore drills took, by job and outcome',
      labelNames: ['job', 'outcome'],
      buckets: [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400],
      registers: [obs.registry],
    });
  }

  /** Where the job's backups are kept. */
  storeFor(job: BackupJob): ArtifactStore {
    return new LocalDirectoryStore(join(this.root, job.target.directory));
  }

  get databaseUrl(): string {
    return this.config.VIGIL_BACKUP_DATABASE_URL ?? this.config.DATABASE_URL;
  }

  /**
   * Starts a run of `job` (its work continues in the background); `started: false` when the
   * schedule time was already started elsewhere.
   */
  async start(
    job: BackupJob,
    trigger: 'schedule' | 'catch-up' | 'manual',
    scheduledFor: Date | undefined,
    actor: string,
  ): Promise<{ runId: string; started: boolean }> {
    const runId = scheduledFor
      ? `${job.id}-${compact(scheduledFor)}`
      : `${job.id}-${compact(new Date())}-${randomBytes(3).toString('hex')}`;
    const ref: RunRef = { runId, jobId: job.id, job: job.name, labels: job.labels };
    try {
      await this.record(
        runId,
        { type: 'StartRun', ref, trigger, scheduledFor: scheduledFor?.toISOString(), at: new Date().toISOString() },
        actor,
      );
    } catch (e) {
      if (scheduledFor && (e instanceof IllegalStateError || e instanceof ConcurrencyError))
        return { runId, started: false };
      throw e;
    }
    await this.beat(runId);
    this.track(runId, this.execute(job, runId));
    return { runId, started: true };
  }

  /**
   * Starts a restore drill of a published backup (in the background). The caller picked a
   * succeeded run not pruned; the run's decider refuses any other when the drill is recorded.
   */
  startDrill(job: BackupJob, runId: string, actor: string): void {
    this.track(`drill:${runId}`, this.drill(job, runId, actor));
  }

  /** Records that retention removed a backup. */
  async recordPruned(runId: string, at: Date, reason: string): Promise<void> {
    await this.record(runId, { type: 'PruneRun', at: at.toISOString(), reason }, SERVICE);
    this.obs.logger.info({ run: runId, reason }, 'backup pruned');
  }

  /** True while this process works on the run. */
  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Resolves once every run and drill this process started has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active.values()]);
  }

  /** Fails the runs still `running` whose runner stopped beating (its process died or hung). */
  async failOrphans(): Promise<number> {
    const before = new Date(Date.now() - this.config.VIGIL_BACKUP_ORPHAN_MS);
    let failed = 0;
    for (const { runId } of await this.runs.runningSince(before)) {
      if (this.active.has(runId)) continue;
      if ((await this.cache.redis.exists(this.beatKey(runId))) === 1) continue;
      try {
        await this.record(
          runId,
          {
            type: 'FailRun',
            at: new Date().toISOString(),
            step: 'runner',
            error: `backup-svc stopped during the run: no sign of its runner for ${this.config.VIGIL_BACKUP_ORPHAN_MS / 1000} s`,
          },
          SERVICE,
        );
        failed++;
        this.obs.logger.warn({ run: runId }, 'backup run failed: its runner stopped');
      } catch (e) {
        if (!(e instanceof IllegalStateError)) throw e;
      }
    }
    return failed;
  }

  async beforeApplicationShutdown(): Promise<void> {
    // A run still working when the process stops is failed by the next runner's orphan check.
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  private track(key: string, work: Promise<void>): void {
    this.active.set(
      key,
      work
        .catch((e: unknown) => this.obs.logger.error({ work: key, err: e }, 'backup work failed'))
        .finally(() => this.active.delete(key)),
    );
  }

  private async execute(job: BackupJob, runId: string): Promise<void> {
    const t0 = Date.now();
    const beating = setInterval(() => void this.beat(runId), Math.max(250, this.config.VIGIL_BACKUP_ORPHAN_MS / 4));
    const store = this.storeFor(job);
    try {
      const { manifest, manifestSha256 } = await runBackup(
        {
          backupId: runId,
          jobId: job.id,
          postgres: job.postgres && { url: this.databaseUrl, schemas: job.postgres.schemas },
          events: job.events
            ? {
                js: this.bus.js,
                jsm: this.bus.jsm,
                stream: this.bus.topology.streams.events,
                unprefixed: (s) => this.bus.topology.unprefixed(s),
              }
            : undefined,
        },
        { store, driver: this.driver, clock: () => new Date() },
      );
      const bytes = manifest.artifacts.reduce((sum, a) => sum + a.bytes, 0);
      try {
        await this.record(
          runId,
          { type: 'SucceedRun', at: new Date().toISOString(), bytes, manifestSha256, location: store.description },
          SERVICE,
        );
      } catch (e) {
        // Failed meanwhile as an orphan (this process was paused past it): what it wrote goes.
        if (e instanceof IllegalStateError) await store.remove(runId);
        throw e;
      }
      this.duration.observe({ job: job.name, outcome: 'succeeded' }, (Date.now() - t0) / 1000);
      this.obs.logger.info({ run: runId, job: job.id, bytes }, 'backup succeeded');
    } catch (e) {
      this.duration.observe({ job: job.name, outcome: 'failed' }, (Date.now() - t0) / 1000);
      const step = e instanceof StepError ? e : undefined;
      this.obs.logger.error({ run: runId, job: job.id, err: { message: (e as Error).message } }, 'backup failed');
      await this.record(
        runId,
        {
          type: 'FailRun',
          at: new Date().toISOString(),
          error: (e as Error).message || String(e),
          step: step?.step,
          exitCode: step?.exitCode,
          stderrTail: step?.stderrTail?.slice(-4096),
        },
        SERVICE,
      ).catch((err: unknown) => {
        if (!(err instanceof IllegalStateError))
          this.obs.logger.error({ run: runId, err }, 'recording a failed backup failed');
      });
    } finally {
      clearInterval(beating);
      await this.cache.redis.del(this.beatKey(runId)).catch(() => undefined);
    }
  }

  private async drill(job: BackupJob, runId: string, actor: string): Promise<void> {
    // Drills take turns in the deployment: they share one scratch stream, and each restores a
    // whole database. The lease is renewed while this one runs.
    const lease = new RedisLease(this.cache.redis, this.cache.key('backup', 'drill'), DRILL_LEASE_MS);
    const waitUntil = Date.now() + DRILL_WAIT_MS;
    while (!(await lease.tryHold())) {
      if (Date.now() > waitUntil) throw new IllegalStateError('another restore drill has been running for too long');
      await new Promise((r) => setTimeout(r, 1000));
    }
    const renewing = setInterval(() => void lease.tryHold().catch(() => undefined), DRILL_LEASE_MS / 3);
    try {
      await this.drillHolding(job, runId, actor);
    } finally {
      clearInterval(renewing);
      await lease.release().catch(() => undefined);
    }
  }

  private async drillHolding(job: BackupJob, runId: string, actor: string): Promise<void> {
    const previousRtoSeconds = await this.runs.lastRto(job.id);
    const result = await verifyBackup(runId, {
      store: this.storeFor(job),
      driver: this.driver,
      scratchPostgresUrl: this.config.VIGIL_BACKUP_SCRATCH_DATABASE_URL ?? this.databaseUrl,
      nats: { js: this.bus.js, jsm: this.bus.jsm, prefix: this.bus.topology.prefix },
      jobs: this.config.VIGIL_BACKUP_RESTORE_JOBS,
      clock: () => Date.now(),
    });
    this.duration.observe(
      { job: job.name, outcome: result.ok ? 'verified' : 'verification_failed' },
      totalSeconds(result.steps),
    );
    await this.record(
      runId,
      {
        type: 'RecordDrill',
        drill: {
          at: new Date().toISOString(),
          steps: result.steps,
          failures: result.failures,
          rtoSeconds: result.rtoSeconds,
          previousRtoSeconds,
        },
      },
      actor,
    );
    this.obs.logger.info(
      { run: runId, ok: result.ok, rto: result.rtoSeconds, failures: result.failures },
      'restore drill done',
    );
  }

  private async record(runId: string, command: RunCommand, actor: string): Promise<void> {
    await this.handler.handle(runId, command, commandMeta(actor));
  }

  private beatKey(runId: string): string {
    return this.cache.key('backup', 'run', runId);
  }

  private async beat(runId: string): Promise<void> {
    await this.cache.redis
      .set(this.beatKey(runId), this.owner, 'PX', this.config.VIGIL_BACKUP_ORPHAN_MS)
      .catch((e: Error) =>
        this.obs.logger.warn({ run: runId, err: { message: e.message } }, 'backup run heartbeat failed'),
      );
  }
}

const totalSeconds = (steps: { ms: number }[]) => steps.reduce((s, x) => s + x.ms, 0) / 1000;
