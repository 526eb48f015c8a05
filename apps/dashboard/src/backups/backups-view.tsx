import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, query } from '../api/http';
import { useConsole } from '../app/context';
import { routeHref } from '../app/routes';
import type { MessageKey } from '../i18n/messages';
import { ErrorNotice, PageHeading, useLoad, useNow } from '../views/common';
import {
  type BackupJobView,
  type BackupRunView,
  canVerify,
  debounce,
  type JobSummary,
  runSeconds,
  secondsText,
  summarize,
} from './backups';
import { JobForm } from './job-form';

/** Whether a role may change, run and verify backups (operator and admin, as the API decides). */
export const canOperateBackups = (role: string): boolean => role === 'operator' || role === 'admin';

/** Runs read for the jobs' last run and drill (the API's most). */
const SUMMARY_RUNS = 500;
/** Runs the list shows. */
const LISTED_RUNS = 100;
/** A burst of a run's events (started, succeeded, pruned) reads the runs once. */
const RELOAD_DEBOUNCE_MS = 300;

const STATE_KEY: Record<BackupRunView['state'], MessageKey> = {
  running: 'backups.state.running',
  succeeded: 'backups.state.succeeded',
  failed: 'backups.state.failed',
};
const TRIGGER_KEY: Record<BackupRunView['trigger'], MessageKey> = {
  schedule: 'backups.trigger.schedule',
  'catch-up': 'backups.trigger.catchUp',
  manual: 'backups.trigger.manual',
};
type DrillOutcome = NonNullable<BackupRunView['drill']>['outcome'];
const DRILL_KEY: Record<DrillOutcome, MessageKey> = {
  verified: 'backups.drill.verified',
  rto_regressed: 'backups.drill.rtoRegressed',
  verification_failed: 'backups.drill.failed',
};

type Editing = { job?: BackupJobView } | undefined;

/**
 * Backup jobs (`GET /api/v1/backups/jobs`) with each one's last run and last restore drill, and the
 * runs newest first (`GET /api/v1/backups/runs`, `?job=` from the URL). The runs are read again
 * (debounced) on every event of the live API's `backups` topic. Operators and admins create and
 * edit jobs, run one now, pause and resume it, and start a restore drill of a backup.
 */
export function BackupsView(props: { job?: string }) {
  const { t, fmt, me, live, navigate } = useConsole();
  const now = useNow();
  const jobFilter = props.job;
  const jobs = useLoad((signal) => api<{ jobs: BackupJobView[] }>('/api/v1/backups/jobs', { signal }), []);
  const recent = useLoad(
    (signal) => api<{ runs: BackupRunView[] }>(`/api/v1/backups/runs?${query({ limit: SUMMARY_RUNS })}`, { signal }),
    [],
  );
  const ofJob = useLoad(
    (signal) =>
      jobFilter === undefined
        ? Promise.resolve(undefined)
        : api<{ runs: BackupRunView[] }>(`/api/v1/backups/runs?${query({ job: jobFilter, limit: LISTED_RUNS })}`, {
            signal,
          }),
    [jobFilter],
  );
  const [failure, setFailure] = useState<unknown>();
  const [started, setStarted] = useState<{ kind: 'run' | 'drill'; runId: string } | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [editing, setEditing] = useState<Editing>();
  const mayOperate = canOperateBackups(me.role);
  // Where the focus goes once the form closes: the job's Edit button (once listed), else "New job".
  const returnFocus = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (editing || !returnFocus.current) return;
    const target = document.getElementById(returnFocus.current);
    if (target) {
      target.focus();
      returnFocus.current = undefined;
    }
  }, [editing, jobs.value]);
  const reloadJobs = jobs.reload;
  const reloadRuns = () => {
    recent.reload();
    ofJob.reload();
  };

  useEffect(() => {
    const later = debounce(reloadRuns, RELOAD_DEBOUNCE_MS);
    const off = live.subscribeEvents(
      'backups',
      () => later.call(),
      () => {
        reloadJobs();
        later.call();
      },
    );
    return () => {
      off();
      later.cancel();
    };
  }, [live]);

  const summaries = useMemo(() => summarize(recent.value?.runs ?? []), [recent.value]);
  const runs = jobFilter === undefined ? (recent.value?.runs ?? []).slice(0, LISTED_RUNS) : ofJob.value?.runs;
  const jobList = jobs.value?.jobs ?? [];

  const act = async (key: string, path: string, done: (reply: { runId?: string }) => void) => {
    setFailure(undefined);
    setBusy(key);
    try {
      done(await api<{ runId?: string }>(path, { method: 'POST' }));
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(undefined);
    }
  };
  const jobPath = (id: string) => `/api/v1/backups/jobs/${encodeURIComponent(id)}`;
  const runNow = (v: BackupJobView) =>
    act(`run:${v.job.id}`, `${jobPath(v.job.id)}/run`, (r) => {
      if (r.runId) setStarted({ kind: 'run', runId: r.runId });
      reloadRuns();
    });
  const pauseOrResume = (v: BackupJobView) =>
    act(`pause:${v.job.id}`, `${jobPath(v.job.id)}/${v.paused ? 'resume' : 'pause'}`, () => reloadJobs());
  const verify = (run: BackupRunView) =>
    act(`verify:${run.runId}`, `/api/v1/backups/runs/${encodeURIComponent(run.runId)}/verify`, () =>
      setStarted({ kind: 'drill', runId: run.runId }),
    );

  const setJobFilter = (job: string) =>
    navigate(routeHref({ view: 'backups', ...(job ? { job } : {}) }), { replace: true });

  return (
    <>
      <PageHeading>{t('backups.title')}</PageHeading>
      <p class="muted">{t('backups.intro')}</p>
      {jobs.error !== undefined && <ErrorNotice error={jobs.error} onRetry={reloadJobs} />}
      {(recent.error ?? ofJob.error) !== undefined && (
        <ErrorNotice error={recent.error ?? ofJob.error} onRetry={reloadRuns} />
      )}
      {failure !== undefined && <ErrorNotice error={failure} />}
      {started && (
        <p class="notice" role="status" data-started={started.runId}>
          {t(started.kind === 'run' ? 'backups.runStarted' : 'backups.drillStarted', { run: started.runId })}
        </p>
      )}
      <section aria-labelledby="backup-jobs" class="card">
        <div class="section-head">
          <h2 id="backup-jobs">{t('backups.jobs', { count: fmt.number(jobList.length) })}</h2>
          {mayOperate && !editing && (
            <button type="button" id="backup-new-job" onClick={() => setEditing({})}>
              {t('backups.newJob')}
            </button>
          )}
        </div>
        {mayOperate && editing && (
          <JobForm
            key={editing.job?.job.id ?? ''}
            editing={editing.job}
            onDone={(id) => {
              returnFocus.current = id ? `backup-job-${id}` : 'backup-new-job';
              setEditing(undefined);
              if (id) reloadJobs();
            }}
          />
        )}
        {jobs.loading && !jobs.value && (
          <p class="muted" role="status">
            {t('common.loading')}
          </p>
        )}
        {jobs.value && jobList.length === 0 && <p class="muted">{t('backups.noJobs')}</p>}
        {jobList.length > 0 && (
          <div class="backup-scroll" tabIndex={0} aria-labelledby="backup-jobs">
            <table class="data backup-table" data-view="backup-jobs">
              <thead>
                <tr>
                  <th scope="col">{t('backups.col.job')}</th>
                  <th scope="col">{t('backups.col.what')}</th>
                  <th scope="col">{t('backups.col.directory')}</th>
                  <th scope="col">{t('backups.col.schedule')}</th>
                  <th scope="col">{t('backups.col.verifySchedule')}</th>
                  <th scope="col">{t('backups.col.retention')}</th>
                  <th scope="col">{t('backups.col.lastRun')}</th>
                  <th scope="col">{t('backups.col.lastDrill')}</th>
                  {mayOperate && <th scope="col">{t('backups.col.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {jobList.map((v) => (
                  <JobRow
                    key={v.job.id}
                    view={v}
                    summary={summaries.get(v.job.id) ?? {}}
                    now={now}
                    actions={
                      mayOperate ? (
                        <td class="actions">
                          <button
                            type="button"
                            disabled={busy === `run:${v.job.id}`}
                            aria-label={t('backups.runLabel', { job: v.job.name })}
                            onClick={() => void runNow(v)}
                          >
                            {t('backups.run')}
                          </button>
                          <button
                            type="button"
                            disabled={busy === `pause:${v.job.id}`}
                            aria-label={t(v.paused ? 'backups.resumeLabel' : 'backups.pauseLabel', {
                              job: v.job.name,
                            })}
                            onClick={() => void pauseOrResume(v)}
                          >
                            {t(v.paused ? 'backups.resume' : 'backups.pause')}
                          </button>
                          <button
                            type="button"
                            id={`backup-job-${v.job.id}`}
                            aria-label={t('backups.editLabel', { job: v.job.name })}
                            onClick={() => setEditing({ job: v })}
                          >
                            {t('backups.edit')}
                          </button>
                        </td>
                      ) : null
                    }
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="backup-runs" class="card">
        <div class="section-head">
          <h2 id="backup-runs">{t('backups.runs')}</h2>
          <div class="field inline">
            <label for="backup-run-job">{t('backups.filterJob')}</label>
            <select id="backup-run-job" value={jobFilter ?? ''} onChange={(e) => setJobFilter(e.currentTarget.value)}>
              <option value="">{t('backups.allJobs')}</option>
              {jobFilter !== undefined && !jobList.some((v) => v.job.id === jobFilter) && (
                <option value={jobFilter}>{jobFilter}</option>
              )}
              {jobList.map((v) => (
                <option key={v.job.id} value={v.job.id}>
                  {v.job.name} ({v.job.id})
                </option>
              ))}
            </select>
          </div>
        </div>
        {runs === undefined ? (
          <p class="muted" role="status">
            {t('common.loading')}
          </p>
        ) : runs.length === 0 ? (
          <p class="muted">{t('backups.noRuns')}</p>
        ) : (
          <RunsTable
            runs={runs}
            now={now}
            verify={
              mayOperate ? { busy: (r) => busy === `verify:${r.runId}`, start: (r) => void verify(r) } : undefined
            }
          />
        )}
      </section>
    </>
  );
}

function When(props: { at: string | null | undefined; now: number }) {
  const { fmt } = useConsole();
  // The ticking clock can be a few seconds behind a time just read: never "in 2 seconds" for the past.
  const now = Math.max(props.now, Date.now());
  if (!props.at) return <span class="muted">—</span>;
  return (
    <time dateTime={props.at} title={fmt.dateTime(props.at)}>
      {fmt.relative(props.at, now)}
    </time>
  );
}

function JobRow(props: { view: BackupJobView; summary: JobSummary; now: number; actions: ComponentChildren }) {
  const { t, fmt, lang } = useConsole();
  const { job, paused } = props.view;
  const { lastRun, lastDrill } = props.summary;
  const what: string[] = [];
  if (job.postgres)
    what.push(
      job.postgres.schemas.length === 0
        ? t('backups.whatDatabase')
        : t('backups.whatSchemas', { schemas: job.postgres.schemas.join(', ') }),
    );
  if (job.events) what.push(t('backups.whatEvents'));
  const r = job.retention;
  return (
    <tr data-job={job.id} data-paused={String(paused)}>
      <th scope="row">
        {job.name} <code>{job.id}</code>
        {paused && <span class="badge badge-pending">{t('backups.paused')}</span>}
        <div class="muted">{t('backups.changedBy', { user: props.view.updatedBy })}</div>
      </th>
      <td>{what.join(' · ')}</td>
      <td>
        <code>{job.target.directory}</code>
      </td>
      <td>
        <code>{job.schedule.cron}</code> {job.schedule.timeZone}
      </td>
      <td>
        <code>{job.verifySchedule.cron}</code> {job.verifySchedule.timeZone}
      </td>
      <td>
        {t('backups.retentionText', {
          last: fmt.number(r.keepLast),
          daily: fmt.number(r.daily),
          weekly: fmt.number(r.weekly),
          monthly: fmt.number(r.monthly),
        })}
      </td>
      <td data-last-run={lastRun?.state ?? 'none'}>
        {lastRun ? (
          <>
            <RunState run={lastRun} /> <When at={lastRun.finishedAt ?? lastRun.startedAt} now={props.now} />
            {lastRun.bytes !== null && <div>{fmt.bytes(lastRun.bytes)}</div>}
          </>
        ) : (
          <span class="muted">{t('backups.never')}</span>
        )}
      </td>
      <td data-last-drill={lastDrill?.drill.outcome ?? 'none'}>
        {lastDrill ? (
          <>
            <DrillBadge outcome={lastDrill.drill.outcome} /> <When at={lastDrill.drill.at} now={props.now} />
            {lastDrill.drill.rtoSeconds !== null && (
              <div>{t('backups.rto', { duration: secondsText(lang, lastDrill.drill.rtoSeconds) })}</div>
            )}
          </>
        ) : (
          <span class="muted">{t('backups.never')}</span>
        )}
      </td>
      {props.actions}
    </tr>
  );
}

function RunState(props: { run: BackupRunView }) {
  const { t } = useConsole();
  const s = props.run.state;
  return <span class={`badge badge-backup-${s}`}>{t(STATE_KEY[s])}</span>;
}

function DrillBadge(props: { outcome: DrillOutcome }) {
  const { t } = useConsole();
  return <span class={`badge badge-drill-${props.outcome}`}>{t(DRILL_KEY[props.outcome])}</span>;
}

function RunsTable(props: {
  runs: readonly BackupRunView[];
  now: number;
  verify?: { busy(r: BackupRunView): boolean; start(r: BackupRunView): void };
}) {
  const { t, fmt, lang } = useConsole();
  const { verify } = props;
  return (
    <div class="backup-scroll" tabIndex={0} aria-labelledby="backup-runs">
      <table class="data backup-table" data-view="backup-runs">
        <caption>{t('backups.runsShown', { count: fmt.number(props.runs.length) })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('backups.col.run')}</th>
            <th scope="col">{t('backups.col.trigger')}</th>
            <th scope="col">{t('backups.col.state')}</th>
            <th scope="col">{t('backups.col.started')}</th>
            <th scope="col">{t('backups.col.finished')}</th>
            <th scope="col">{t('backups.col.size')}</th>
            <th scope="col">{t('backups.col.drill')}</th>
            <th scope="col">{t('backups.col.pruned')}</th>
            {verify && <th scope="col">{t('backups.col.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {props.runs.map((run) => {
            const seconds = runSeconds(run);
            return (
              <tr key={run.runId} data-run={run.runId} data-state={run.state} data-drill={run.drill?.outcome ?? ''}>
                <th scope="row">
                  <code>{run.runId}</code>
                  <div class="muted">{run.job}</div>
                </th>
                <td>
                  {t(TRIGGER_KEY[run.trigger])}
                  <div class="muted">{run.startedBy}</div>
                </td>
                <td>
                  <RunState run={run} />
                  {run.state === 'failed' && (
                    <div class="backup-failure">
                      <p>
                        {t('backups.failedAt', {
                          step: run.step ?? t('common.none'),
                          exit: run.exitCode === null ? t('common.none') : String(run.exitCode),
                        })}
                      </p>
                      {run.error && <p class="field-error">{run.error}</p>}
                      {run.stderrTail && (
                        <details>
                          <summary>{t('backups.stderr')}</summary>
                          <pre>{run.stderrTail}</pre>
                        </details>
                      )}
                    </div>
                  )}
                </td>
                <td>
                  <When at={run.startedAt} now={props.now} />
                </td>
                <td>
                  <When at={run.finishedAt} now={props.now} />
                  {seconds !== undefined && (
                    <div class="muted">{t('backups.took', { duration: secondsText(lang, seconds) })}</div>
                  )}
                </td>
                <td>{run.bytes === null ? <span class="muted">—</span> : fmt.bytes(run.bytes)}</td>
                <td>
                  {run.drill ? (
                    <>
                      <DrillBadge outcome={run.drill.outcome} /> <When at={run.drill.at} now={props.now} />
                      {run.drill.rtoSeconds !== null && (
                        <div data-rto="">{t('backups.rto', { duration: secondsText(lang, run.drill.rtoSeconds) })}</div>
                      )}
                      {run.drill.failures.length > 0 && (
                        <ul class="field-error">
                          {run.drill.failures.map((f, i) => (
                            <li key={i}>{f}</li>
                          ))}
                        </ul>
                      )}
                    </>
                  ) : (
                    <span class="muted">{t('backups.noDrill')}</span>
                  )}
                </td>
                <td>
                  {run.prunedAt ? (
                    <When at={run.prunedAt} now={props.now} />
                  ) : (
                    <span class="muted">{t('backups.kept')}</span>
                  )}
                </td>
                {verify && (
                  <td>
                    {canVerify(run) && (
                      <button
                        type="button"
                        disabled={verify.busy(run)}
                        aria-label={t('backups.verifyLabel', { run: run.runId })}
                        onClick={() => verify.start(run)}
                      >
                        {t('backups.verify')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
