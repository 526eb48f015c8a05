import { type BackupJob, type BackupJobEvent, IllegalStateError, NotFoundError } from '@vigil/contracts';
import type { Decider, NewEvent } from '@vigil/event-store';

export type JobState = { exists: false } | { exists: true; job: BackupJob; paused: boolean; deleted: boolean };

export type JobCommand =
  /** Create the job, or make it what `job` says (no event when it already is). */
  | { type: 'UpsertJob'; job: BackupJob }
  | { type: 'PauseJob'; jobId: string }
  | { type: 'ResumeJob'; jobId: string }
  | { type: 'DeleteJob'; jobId: string };

export const initialJobState = (): JobState => ({ exists: false });

export function evolveJob(state: JobState, event: BackupJobEvent): JobState {
  switch (event.type) {
    case 'backupjob.created':
      return { exists: true, job: event.data.job, paused: false, deleted: false };
    case 'backupjob.updated':
      return state.exists ? { ...state, job: event.data.job } : state;
    case 'backupjob.paused':
    case 'backupjob.resumed':
      return state.exists ? { ...state, paused: event.type === 'backupjob.paused' } : state;
    case 'backupjob.deleted':
      return state.exists ? { ...state, deleted: true } : state;
    default: {
      const never: never = event;
      return never;
    }
  }
}

function live(state: JobState, jobId: string): Extract<JobState, { exists: true }> {
  if (!state.exists || state.deleted) throw new NotFoundError(`no backup job "${jobId}"`);
  return state;
}

/** Two jobs are the same when their canonical JSON is (key order ignored). */
const same = (a: BackupJob, b: BackupJob): boolean => canonical(a) === canonical(b);
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

export function decideJob(command: JobCommand, state: JobState): NewEvent<BackupJobEvent>[] {
  switch (command.type) {
    case 'UpsertJob': {
      const { job } = command;
      if (!state.exists) return [{ type: 'backupjob.created', data: { job } }];
      // A deleted job's id is not reused: its runs and events keep naming it.
      if (state.deleted) throw new IllegalStateError(`backup job "${job.id}" was deleted; choose another id`);
      return same(state.job, job) ? [] : [{ type: 'backupjob.updated', data: { job } }];
    }
    case 'PauseJob':
      return live(state, command.jobId).paused ? [] : [{ type: 'backupjob.paused', data: { jobId: command.jobId } }];
    case 'ResumeJob':
      return live(state, command.jobId).paused ? [{ type: 'backupjob.resumed', data: { jobId: command.jobId } }] : [];
    case 'DeleteJob':
      if (state.exists && state.deleted) return [];
      live(state, command.jobId);
      return [{ type: 'backupjob.deleted', data: { jobId: command.jobId } }];
    default: {
      const never: never = command;
      return never;
    }
  }
}

export const jobDecider: Decider<BackupJobEvent, JobState, JobCommand> = {
  decide: decideJob,
  evolve: evolveJob,
  initialState: initialJobState,
};
