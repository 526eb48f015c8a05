import { type BackupEvent, IllegalStateError, NotFoundError } from '@vigil/contracts';
import type { Decider, NewEvent } from '@vigil/event-store';

/** Who a run belongs to: carried by each of its events (the alert rules group by `job`). */
export interface RunRef {
  runId: string;
  jobId: string;
  job: string;
  labels: Record<string, string>;
}

export type RunState =
  | { phase: 'none' }
  | {
      phase: 'running' | 'succeeded' | 'failed';
      ref: RunRef;
      startedAt: string;
      pruned: boolean;
      /** The RTO of its last passed drill, if any. */
      lastRtoSeconds?: number;
    };

export interface Drill {
  at: string;
  steps: { step: string; ms: number }[];
  failures: string[];
  rtoSeconds?: number;
  /** The job's previous passed drill's RTO, to tell a regression (more than 1.2×). */
  previousRtoSeconds?: number;
}

export type RunCommand =
  | { type: 'StartRun'; ref: RunRef; trigger: 'schedule' | 'catch-up' | 'manual'; scheduledFor?: string; at: string }
  | { type: 'SucceedRun'; at: string; bytes: number; manifestSha256: string; location: string }
  | { type: 'FailRun'; at: string; error: string; step?: string; exitCode?: number; stderrTail?: string }
  | { type: 'RecordDrill'; drill: Drill }
  | { type: 'PruneRun'; at: string; reason: string };

/** A drill slower than this many times the previous one is a regression (RestoreTimeRegressed). */
export const RTO_REGRESSION = 1.2;

export const initialRunState = (): RunState => ({ phase: 'none' });

export function evolveRun(state: RunState, event: BackupEvent): RunState {
  switch (event.type) {
    case 'backup.started': {
      const { runId, jobId, job, labels } = event.data;
      return { phase: 'running', ref: { runId, jobId, job, labels }, startedAt: event.data.startedAt, pruned: false };
    }
    case 'backup.succeeded':
      return state.phase === 'none' ? state : { ...state, phase: 'succeeded' };
    case 'backup.failed':
      return state.phase === 'none' ? state : { ...state, phase: 'failed' };
    case 'backup.verified':
    case 'backup.rto_regressed':
      return state.phase === 'none' ? state : { ...state, lastRtoSeconds: event.data.rtoSeconds };
    case 'backup.verification_failed':
      return state;
    case 'backup.pruned':
      return state.phase === 'none' ? state : { ...state, pruned: true };
    default: {
      const never: never = event;
      return never;
    }
  }
}

function known(state: RunState): Exclude<RunState, { phase: 'none' }> {
  if (state.phase === 'none') throw new NotFoundError('no such backup run');
  return state;
}

export function decideRun(command: RunCommand, state: RunState): NewEvent<BackupEvent>[] {
  switch (command.type) {
    case 'StartRun':
      if (state.phase !== 'none') throw new IllegalStateError(`backup run ${command.ref.runId} already started`);
      return [
        {
          type: 'backup.started',
          data: { ...command.ref, trigger: command.trigger, scheduledFor: command.scheduledFor, startedAt: command.at },
        },
      ];
    case 'SucceedRun':
    case 'FailRun': {
      const run = known(state);
      if (run.phase !== 'running') throw new IllegalStateError(`backup run ${run.ref.runId} already ${run.phase}`);
      const finished = { ...run.ref, startedAt: run.startedAt, finishedAt: command.at };
      if (command.type === 'SucceedRun')
        return [
          {
            type: 'backup.succeeded',
            data: {
              ...finished,
              bytes: command.bytes,
              manifestSha256: command.manifestSha256,
              location: command.location,
            },
          },
        ];
      const { error, step, exitCode, stderrTail } = command;
      return [
        { type: 'backup.failed', data: { ...finished, error: error.slice(0, 4096), step, exitCode, stderrTail } },
      ];
    }
    case 'RecordDrill': {
      const run = known(state);
      if (run.phase !== 'succeeded')
        throw new IllegalStateError(`backup run ${run.ref.runId} is ${run.phase}: nothing to verify`);
      if (run.pruned) throw new IllegalStateError(`backup run ${run.ref.runId} was pruned`);
      const { drill } = command;
      const base = { ...run.ref, verifiedAt: drill.at, steps: drill.steps };
      if (drill.failures.length > 0)
        return [{ type: 'backup.verification_failed', data: { ...base, failures: drill.failures.slice(0, 100) } }];
      const rtoSeconds = drill.rtoSeconds ?? 0;
      const previous = drill.previousRtoSeconds;
      if (previous !== undefined && previous > 0 && rtoSeconds > previous * RTO_REGRESSION)
        return [{ type: 'backup.rto_regressed', data: { ...base, rtoSeconds, previousRtoSeconds: previous } }];
      return [{ type: 'backup.verified', data: { ...base, rtoSeconds } }];
    }
    case 'PruneRun': {
      const run = known(state);
      if (run.pruned) return [];
      if (run.phase === 'running') throw new IllegalStateError(`backup run ${run.ref.runId} is still running`);
      return [{ type: 'backup.pruned', data: { ...run.ref, prunedAt: command.at, reason: command.reason } }];
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}

export const runDecider: Decider<BackupEvent, RunState, RunCommand> = {
  decide: decideRun,
  evolve: evolveRun,
  initialState: initialRunState,
};
