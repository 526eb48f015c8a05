import {
  type BackupJobView,
  type BackupRunView,
  canVerify,
  debounce,
  emptyJobForm,
  formOf,
  jobBody,
  jobProblems,
  runSeconds,
  secondsText,
  summarize,
} from './backups';

const run = (runId: string, over: Partial<BackupRunView> = {}): BackupRunView => ({
  runId,
  jobId: 'nightly',
  job: 'Nightly',
  labels: {},
  trigger: 'manual',
  scheduledFor: null,
  state: 'succeeded',
  startedAt: '2026-12-07T20:00:00.000Z',
  finishedAt: '2026-12-07T20:00:12.500Z',
  bytes: 1_500_000,
  location: null,
  error: null,
  step: null,
  exitCode: null,
  stderrTail: null,
  drill: null,
  prunedAt: null,
  startedBy: 'user:admin',
  ...over,
});

const view: BackupJobView = {
  job: {
    id: 'nightly',
    name: 'Nightly',
    postgres: { schemas: ['registry', 'alerting'] },
    events: true,
    target: { type: 'local', directory: 'nightly' },
    schedule: { cron: '0 2 * * *', timeZone: 'Asia/Shanghai' },
    verifySchedule: { cron: '0 4 * * 0', timeZone: 'UTC' },
    retention: { keepLast: 3, daily: 7, weekly: 4, monthly: 12 },
    labels: { tier: 'gold' },
  },
  paused: false,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  updatedBy: 'user:admin',
};

describe('the backups view', () => {
  it('sums up each job: its newest run, and the newest drill of any of its backups', () => {
    const drill = (at: string, outcome: 'verified' | 'verification_failed') => ({
      outcome,
      at,
      rtoSeconds: 2.5,
      failures: [],
    });
    const runs = [
      run('nightly-3', { state: 'running', startedAt: '2026-12-07T22:00:00.000Z', finishedAt: null, bytes: null }),
      run('nightly-2', { startedAt: '2026-12-07T21:00:00.000Z', drill: drill('2026-12-07T21:30:00.000Z', 'verified') }),
      run('nightly-1', { drill: drill('2026-12-07T23:00:00.000Z', 'verification_failed') }),
      run('weekly-1', { jobId: 'weekly', job: 'Weekly' }),
    ];
    const s = summarize(runs);
    expect(s.get('nightly')?.lastRun?.runId).toBe('nightly-3');
    expect(s.get('nightly')?.lastDrill).toMatchObject({
      run: { runId: 'nightly-1' },
      drill: { outcome: 'verification_failed' },
    });
    expect(s.get('weekly')).toEqual({ lastRun: runs[3] });
    expect(s.get('other')).toBeUndefined();
  });

  it('offers a drill of a backup that succeeded and was not pruned, only', () => {
    expect(canVerify(run('a'))).toBe(true);
    expect(canVerify(run('a', { state: 'failed' }))).toBe(false);
    expect(canVerify(run('a', { state: 'running', finishedAt: null }))).toBe(false);
    expect(canVerify(run('a', { prunedAt: '2026-12-07T23:00:00.000Z' }))).toBe(false);
  });

  it('says how long a run took, and lengths of time per language', () => {
    expect(runSeconds(run('a'))).toBe(12.5);
    expect(runSeconds(run('a', { finishedAt: null }))).toBeUndefined();
    expect(secondsText('en', 2.345)).toBe('2.3 sec');
    expect(secondsText('zh-CN', 2.345)).toBe('2.3秒');
    expect(secondsText('en', 125)).toBe('2 min 5 sec');
    expect(secondsText('en', 120)).toBe('2 min');
  });

  it('turns the form into the job the API takes, keeping what the form does not show', () => {
    const edited = { ...formOf(view), schemas: 'registry, , metrics  alerting', cron: ' */5 * * * * ' };
    expect(jobBody(edited, view)).toEqual({
      ...view.job,
      postgres: { schemas: ['registry', 'metrics', 'alerting'] },
      schedule: { cron: '*/5 * * * *', timeZone: 'Asia/Shanghai' },
    });
    const created = jobBody({ ...emptyJobForm(), id: ' db ', name: 'DB', database: false, directory: 'db' });
    expect(JSON.parse(JSON.stringify(created))).toEqual({
      id: 'db',
      name: 'DB',
      events: true,
      target: { type: 'local', directory: 'db' },
      schedule: { cron: '0 2 * * *', timeZone: 'UTC' },
    });
    expect(formOf({ ...view, job: { ...view.job, postgres: undefined } })).toMatchObject({
      database: false,
      schemas: '',
    });
  });

  it('puts the problems the API names at their fields', () => {
    const form = { ...emptyJobForm(), cron: '99 * * * *' };
    expect(
      jobProblems(
        'invalid request: job.target.directory: must be a directory name',
        [
          { path: ['job', 'target', 'directory'], message: 'must be a directory name' },
          { path: ['job', 'schedule', 'timeZone'], message: 'must be an IANA time zone' },
          { path: ['job', 'postgres', 'schemas', 0], message: 'must be a lower-case PostgreSQL schema name' },
          { path: ['job', 'events'], message: 'a job backs up the database, the event stream or both' },
          { path: ['job', 'id'], message: 'must contain only letters' },
          { path: ['actor'], message: 'odd' },
          'not an issue',
        ],
        form,
      ),
    ).toEqual([
      { field: 'directory', message: 'must be a directory name' },
      { field: 'timeZone', message: 'must be an IANA time zone' },
      { field: 'schemas', message: 'must be a lower-case PostgreSQL schema name' },
      { field: 'events', message: 'a job backs up the database, the event stream or both' },
      { field: 'id', message: 'must contain only letters' },
      { field: 'form', message: 'odd' },
    ]);
    // backup-svc's own word on a cron it cannot read names the expression: the form's schedule.
    expect(jobProblems('schedule "99 * * * *": Invalid value for minute: 99', undefined, form)).toEqual([
      { field: 'cron', message: 'Invalid value for minute: 99' },
    ]);
    // The same about another expression (the drills' schedule, which the form does not show).
    expect(jobProblems('schedule "61 4 * * 0": Invalid value for minute: 61', undefined, form)).toEqual([
      { field: 'form', message: 'schedule "61 4 * * 0": Invalid value for minute: 61' },
    ]);
  });

  it('reads the runs once after a burst of events', () => {
    jest.useFakeTimers();
    try {
      let calls = 0;
      const later = debounce(() => calls++, 300);
      later.call();
      jest.advanceTimersByTime(200);
      later.call();
      later.call();
      jest.advanceTimersByTime(299);
      expect(calls).toBe(0);
      jest.advanceTimersByTime(1);
      expect(calls).toBe(1);
      later.call();
      later.cancel();
      jest.advanceTimersByTime(1000);
      expect(calls).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
