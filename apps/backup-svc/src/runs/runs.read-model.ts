import { Injectable } from '@nestjs/common';
import type { BackupEvent, BackupRunView } from '@vigil/contracts';
import { Bus, Database, Observability, ReadModel } from '@vigil/platform';
import type { KeptBackup } from '../retention/retention';
import { runsProjection } from './runs.projection';

interface RunRow {
  run_id: string;
  job_id: string;
  job: string;
  labels: Record<string, string>;
  trigger: BackupRunView['trigger'];
  scheduled_for: Date | null;
  state: BackupRunView['state'];
  started_at: Date;
  started_by: string;
  finished_at: Date | null;
  bytes: string | null;
  location: string | null;
  error: string | null;
  step: string | null;
  exit_code: number | null;
  stderr_tail: string | null;
  drill_outcome: 'verified' | 'rto_regressed' | 'verification_failed' | null;
  drill_at: Date | null;
  drill_rto_seconds: number | null;
  drill_failures: string[] | null;
  pruned_at: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function view(r: RunRow): BackupRunView {
  return {
    runId: r.run_id,
    jobId: r.job_id,
    job: r.job,
    labels: r.labels,
    trigger: r.trigger,
    scheduledFor: iso(r.scheduled_for),
    state: r.state,
    startedAt: r.started_at.toISOString(),
    finishedAt: iso(r.finished_at),
    bytes: r.bytes === null ? null : Number(r.bytes),
    location: r.location,
    error: r.error,
    step: r.step,
    exitCode: r.exit_code,
    stderrTail: r.stderr_tail,
    drill:
      r.drill_outcome && r.drill_at
        ? {
            outcome: r.drill_outcome,
            at: r.drill_at.toISOString(),
            rtoSeconds: r.drill_rto_seconds,
            failures: r.drill_failures ?? [],
          }
        : null,
    prunedAt: iso(r.pruned_at),
    startedBy: r.started_by,
  };
}

/** The backup runs read model (`backup.runs`): what the API lists and what the scheduler decides from. */
@Injectable()
export class RunsReadModel extends ReadModel<BackupEvent, string> {
  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    obs: Observability,
  ) {
    super({ bus, db, obs }, 'backup', 'backup', runsProjection);
  }

  /** Brings the read model up to the end of the stream (before a decision that reads it). */
  catchUp(): Promise<void> {
    return this.runner.catchUp(this.bus.jsm);
  }

  async list(opts: { jobId?: string; limit: number }): Promise<BackupRunView[]> {
    await this.catchUp();
    const rows = await this.db.query<RunRow>(
      'backup_runs_list',
      `SELECT * FROM backup.runs WHERE ($1::text IS NULL OR job_id = $1) ORDER BY started_at DESC, run_id DESC LIMIT $2`,
      [opts.jobId ?? null, opts.limit],
    );
    return rows.map(view);
  }

  async get(runId: string): Promise<BackupRunView | undefined> {
    await this.catchUp();
    const rows = await this.db.query<RunRow>('backup_runs_get', 'SELECT * FROM backup.runs WHERE run_id = $1', [runId]);
    return rows[0] && view(rows[0]);
  }

  /** The latest schedule time a run of the job stood for, and its latest drill. */
  async scheduleMarks(jobId: string): Promise<{ lastScheduled?: Date; lastDrill?: Date }> {
    const rows = await this.db.query<{ s: Date | null; d: Date | null }>(
      'backup_runs_marks',
      'SELECT max(scheduled_for) AS s, max(drill_at) AS d FROM backup.runs WHERE job_id = $1',
      [jobId],
    );
    return { lastScheduled: rows[0]?.s ?? undefined, lastDrill: rows[0]?.d ?? undefined };
  }

  /** The job's published backups not pruned: what retention decides on, and what a drill picks from. */
  async kept(jobId: string): Promise<(KeptBackup & { rtoSeconds: number | null })[]> {
    const rows = await this.db.query<{
      run_id: string;
      finished_at: Date;
      drill_outcome: string | null;
      drill_rto_seconds: number | null;
    }>(
      'backup_runs_kept',
      `SELECT run_id, finished_at, drill_outcome, drill_rto_seconds FROM backup.runs
        WHERE job_id = $1 AND state = 'succeeded' AND pruned_at IS NULL ORDER BY finished_at DESC`,
      [jobId],
    );
    return rows.map((r) => ({
      runId: r.run_id,
      finishedAt: r.finished_at.getTime(),
      verified: r.drill_outcome === 'verified' || r.drill_outcome === 'rto_regressed',
      rtoSeconds: r.drill_rto_seconds,
    }));
  }

  /** The RTO of the job's latest passed drill. */
  async lastRto(jobId: string): Promise<number | undefined> {
    const rows = await this.db.query<{ rto: number }>(
      'backup_runs_last_rto',
      `SELECT drill_rto_seconds AS rto FROM backup.runs WHERE job_id = $1 AND drill_outcome IN ('verified', 'rto_regressed')
        ORDER BY drill_at DESC LIMIT 1`,
      [jobId],
    );
    return rows[0]?.rto ?? undefined;
  }

  /** Runs still `running` that started before `before`: candidates for a dead runner. */
  async runningSince(before: Date): Promise<{ runId: string; jobId: string }[]> {
    const rows = await this.db.query<{ run_id: string; job_id: string }>(
      'backup_runs_running',
      `SELECT run_id, job_id FROM backup.runs WHERE state = 'running' AND started_at < $1`,
      [before],
    );
    return rows.map((r) => ({ runId: r.run_id, jobId: r.job_id }));
  }

  /** The job's runs still `running` (someone may be writing them). */
  async runningIds(jobId: string): Promise<Set<string>> {
    const rows = await this.db.query<{ run_id: string }>(
      'backup_runs_running_of_job',
      `SELECT run_id FROM backup.runs WHERE job_id = $1 AND state = 'running'`,
      [jobId],
    );
    return new Set(rows.map((r) => r.run_id));
  }

  /** Failed runs of the job (their artifacts, if a dead runner published any, are swept). */
  async failedIds(jobId: string): Promise<Set<string>> {
    const rows = await this.db.query<{ run_id: string }>(
      'backup_runs_failed',
      `SELECT run_id FROM backup.runs WHERE job_id = $1 AND state = 'failed'`,
      [jobId],
    );
    return new Set(rows.map((r) => r.run_id));
  }

  /** Per job: the last success, its size, and the last drill's RTO (the service's gauges). */
  async gauges(): Promise<{ job: string; lastSuccess: Date | null; bytes: number | null; rto: number | null }[]> {
    const rows = await this.db.query<{
      job: string;
      last_success: Date | null;
      bytes: string | null;
      rto: number | null;
    }>(
      'backup_runs_gauges',
      `SELECT j.job,
              (SELECT max(finished_at) FROM backup.runs r WHERE r.job = j.job AND r.state = 'succeeded') AS last_success,
              (SELECT bytes FROM backup.runs r WHERE r.job = j.job AND r.state = 'succeeded' ORDER BY finished_at DESC LIMIT 1) AS bytes,
              (SELECT drill_rto_seconds FROM backup.runs r WHERE r.job = j.job AND r.drill_outcome IN ('verified', 'rto_regressed')
                 ORDER BY drill_at DESC LIMIT 1) AS rto
         FROM (SELECT DISTINCT job FROM backup.runs) j`,
    );
    return rows.map((r) => ({
      job: r.job,
      lastSuccess: r.last_success,
      bytes: r.bytes === null ? null : Number(r.bytes),
      rto: r.rto,
    }));
  }
}
