import { BackupJob, type BackupJobInput } from '@vigil/contracts';
import { deciderSpec } from '@vigil/test-support';
import { jobDecider } from './job.decider';

const job = (over: Partial<BackupJobInput> = {}) =>
  BackupJob.parse({ id: 'nightly', name: 'Nightly', target: { type: 'local', directory: 'nightly' }, ...over });

const { given } = deciderSpec(jobDecider, {
  subject: 'backupjob.nightly',
  occurredAt: '2026-12-07T10:00:00.000Z',
  actor: 'user:ana',
});
const created = { type: 'backupjob.created', data: { job: job() } } as const;
const paused = { type: 'backupjob.paused', data: { jobId: 'nightly' } } as const;
const deleted = { type: 'backupjob.deleted', data: { jobId: 'nightly' } } as const;

describe('backup job decider', () => {
  it('creates a job with the defaults of the manuals: daily 02:00, weekly drills, 7/4/12 and at least 2 copies', () => {
    given().when({ type: 'UpsertJob', job: job() }).then([created]);
    expect(job()).toMatchObject({
      events: true,
      schedule: { cron: '0 2 * * *', timeZone: 'UTC' },
      verifySchedule: { cron: '0 4 * * 0', timeZone: 'UTC' },
      retention: { keepLast: 2, daily: 7, weekly: 4, monthly: 12 },
    });
  });

  it('updates a changed job and records nothing for the same one', () => {
    const changed = job({ schedule: { cron: '30 1 * * *', timeZone: 'Asia/Shanghai' } });
    given(created)
      .when({ type: 'UpsertJob', job: changed })
      .then([{ type: 'backupjob.updated', data: { job: changed } }]);
    given(created).when({ type: 'UpsertJob', job: job() }).then([]);
  });

  it('pauses and resumes once, and refuses unknown and deleted jobs', () => {
    given(created).when({ type: 'PauseJob', jobId: 'nightly' }).then([paused]);
    given(created, paused).when({ type: 'PauseJob', jobId: 'nightly' }).then([]);
    given(created, paused)
      .when({ type: 'ResumeJob', jobId: 'nightly' })
      .then([{ type: 'backupjob.resumed', data: { jobId: 'nightly' } }]);
    given(created).when({ type: 'ResumeJob', jobId: 'nightly' }).then([]);
    given()
      .when({ type: 'PauseJob', jobId: 'nightly' })
      .thenThrows(/no backup job "nightly"/);
    given(created, deleted)
      .when({ type: 'ResumeJob', jobId: 'nightly' })
      .thenThrows(/no backup job/);
  });

  it('deletes once and never reuses a deleted id', () => {
    given(created).when({ type: 'DeleteJob', jobId: 'nightly' }).then([deleted]);
    given(created, deleted).when({ type: 'DeleteJob', jobId: 'nightly' }).then([]);
    given(created, deleted)
      .when({ type: 'UpsertJob', job: job() })
      .thenThrows(/was deleted; choose another id/);
  });

  it('refuses a job that backs up nothing, a path as its directory and an unknown time zone', () => {
    expect(() => job({ events: false })).toThrow(/the database, the event stream or both/);
    expect(() => job({ target: { type: 'local', directory: '../etc' } })).toThrow(/not a path/);
    expect(() => job({ schedule: { cron: '0 2 * * *', timeZone: 'Mars/Olympus' } })).toThrow(/IANA time zone/);
    expect(() => job({ retention: { keepLast: 1, daily: 7, weekly: 4, monthly: 12 } })).toThrow();
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'x']));
    expect(() => job({ labels: tooMany })).toThrow(/labels/);
  });
});
