import type { BackupJobView, BackupRunView } from '@vigil/contracts';

export type { BackupJobView, BackupRunView };

/** What a job's row shows of its runs: the newest run, and the newest restore drill of any of its backups. */
export interface JobSummary {
  lastRun?: BackupRunView;
  lastDrill?: { run: BackupRunView; drill: NonNullable<BackupRunView['drill']> };
}

/** Each job's newest run and newest drill, from runs listed newest first (as the API lists them). */
export function summarize(runs: readonly BackupRunView[]): Map<string, JobSummary> {
  const out = new Map<string, JobSummary>();
  for (const run of runs) {
    const s = out.get(run.jobId) ?? {};
    if (!s.lastRun || run.startedAt > s.lastRun.startedAt) s.lastRun = run;
    if (run.drill && (!s.lastDrill || run.drill.at > s.lastDrill.drill.at)) s.lastDrill = { run, drill: run.drill };
    out.set(run.jobId, s);
  }
  return out;
}

/** A backup a restore drill can be started on: one that succeeded and was not pruned. */
export const canVerify = (run: BackupRunView): boolean => run.state === 'succeeded' && run.prunedAt === null;

/** How long a run took, in seconds; undefined while it runs. */
export function runSeconds(run: BackupRunView): number | undefined {
  if (run.finishedAt === null) return undefined;
  return Math.max(0, (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000);
}

/** The form of a job: what an operator types. */
export interface JobForm {
  id: string;
  name: string;
  /** Comma or space separated schema names; empty is the whole database. */
  schemas: string;
  database: boolean;
  events: boolean;
  directory: string;
  cron: string;
  timeZone: string;
}

export const emptyJobForm = (): JobForm => ({
  id: '',
  name: '',
  schemas: '',
  database: true,
  events: true,
  directory: '',
  cron: '0 2 * * *',
  timeZone: 'UTC',
});

/** A job as the form edits it; what the form does not show (labels, retention, drills) is kept as it was. */
export function formOf(view: BackupJobView): JobForm {
  const job = view.job;
  return {
    id: job.id,
    name: job.name,
    schemas: (job.postgres?.schemas ?? []).join(', '),
    database: job.postgres !== undefined,
    events: job.events,
    directory: job.target.directory,
    cron: job.schedule.cron,
    timeZone: job.schedule.timeZone,
  };
}

/** The body of `PUT /api/v1/backups/jobs/<id>`: the form over the job it edits (if any). */
export function jobBody(form: JobForm, editing?: BackupJobView): Record<string, unknown> {
  const schemas = form.schemas
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return {
    // What the form does not show is kept; `postgres` is the form's (absent: no database).
    ...editing?.job,
    postgres: undefined,
    id: form.id.trim(),
    name: form.name.trim(),
    ...(form.database ? { postgres: { schemas } } : {}),
    events: form.events,
    target: { type: 'local', directory: form.directory.trim() },
    schedule: { cron: form.cron.trim(), timeZone: form.timeZone.trim() },
  };
}

export type JobField = 'id' | 'name' | 'schemas' | 'events' | 'directory' | 'cron' | 'timeZone' | 'form';

export interface JobProblem {
  field: JobField;
  message: string;
}

function fieldOf(path: readonly unknown[]): JobField {
  const p = path[0] === 'job' ? path.slice(1) : path;
  const key = p.map(String).join('.');
  if (key === 'id' || key === 'name' || key === 'events') return key;
  if (key.startsWith('postgres')) return 'schemas';
  if (key.startsWith('target')) return 'directory';
  if (key === 'schedule.cron') return 'cron';
  if (key === 'schedule.timeZone') return 'timeZone';
  return 'form';
}

/**
 * The fields a refusal of the job names: the contract's issues (`errors`, each with its `path`
 * under `job`), else backup-svc's own word on a cron it cannot read (`schedule "99 * * * *":
 * Invalid value for minute…`), which names the expression: the schedule's when it is the form's.
 */
export function jobProblems(detail: string, errors: unknown, form: JobForm): JobProblem[] {
  const out: JobProblem[] = [];
  if (Array.isArray(errors))
    for (const e of errors as unknown[]) {
      if (typeof e !== 'object' || e === null) continue;
      const { path, message } = e as { path?: unknown; message?: unknown };
      if (typeof message === 'string') out.push({ field: fieldOf(Array.isArray(path) ? path : []), message });
    }
  if (out.length > 0) return out;
  const cron = /^schedule "(.*)": (.+)$/s.exec(detail);
  if (cron && cron[1] === form.cron.trim()) return [{ field: 'cron', message: cron[2] }];
  return [{ field: 'form', message: detail }];
}

/**
 * Calls `fn` once `ms` after the last of a burst of calls (a run's events arrive close together:
 * started, succeeded, pruned); `cancel` drops a pending call.
 */
export function debounce(fn: () => void, ms: number): { call(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    call() {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        fn();
      }, ms);
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** A length of time in seconds, to a tenth below a minute (a drill's RTO), in the reader's language. */
export function secondsText(lang: string, seconds: number): string {
  if (seconds < 60)
    return new Intl.NumberFormat(lang, {
      style: 'unit',
      unit: 'second',
      unitDisplay: 'short',
      maximumFractionDigits: 1,
    }).format(seconds);
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  const unit = (n: number, u: string) =>
    new Intl.NumberFormat(lang, { style: 'unit', unit: u, unitDisplay: 'short' }).format(n);
  return rest === 0 ? unit(minutes, 'minute') : `${unit(minutes, 'minute')} ${unit(rest, 'second')}`;
}
