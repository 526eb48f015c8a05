import * as z from 'zod';
import { IsoTimestamp, Labels, NodeId } from '../common.schema';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';
import { SUBJECT_TOKEN_PATTERN } from '../patterns';

/** A subject token naming a backup job or one run of it (`events.backup.<runId>`). */
const Token = z.string().min(1).max(128).regex(SUBJECT_TOKEN_PATTERN, 'must contain only letters, digits, "_" and "-"');

/**
 * One run of a backup job is one aggregate (`events.backup.<runId>`); its outcome is one
 * event. `job` is the job's name, the `job` label alert rules group by; `labels` are the
 * job's own (e.g. `target`, `tier`).
 */
const BackupRun = {
  runId: Token,
  jobId: Token,
  job: z.string().min(1).max(200),
  /** The node the run ran on, when it ran on one. */
  node: NodeId.optional(),
  labels: Labels.default({}),
  startedAt: IsoTimestamp,
  finishedAt: IsoTimestamp,
  /** Bytes written (compressed), when the tool reports them. */
  bytes: z.number().int().nonnegative().optional(),
};

/** What started a run: its schedule, the schedule missed while backup-svc was down (once), or someone. */
export const RunTrigger = z.enum(['schedule', 'catch-up', 'manual']);

const RunRef = { runId: Token, jobId: Token, job: z.string().min(1).max(200), labels: Labels.default({}) };

export const BackupStarted = defineEvent('backup.started', {
  version: 1,
  schema: z.object({
    ...RunRef,
    trigger: RunTrigger,
    /** The schedule time this run stands for (a manual run: none). */
    scheduledFor: IsoTimestamp.optional(),
    startedAt: IsoTimestamp,
  }),
});

export const BackupSucceeded = defineEvent('backup.succeeded', {
  version: 1,
  schema: z.object({
    ...BackupRun,
    /** SHA-256 of the run's manifest (what a later verification checks first). */
    manifestSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    /** Where it is kept, as the job's target names it (no credentials). */
    location: z.string().max(1024).optional(),
  }),
});

export const BackupFailed = defineEvent('backup.failed', {
  version: 1,
  schema: z.object({
    ...BackupRun,
    /** What the tool said, for the alert and the operator. */
    error: z.string().min(1).max(4096),
    exitCode: z.number().int().optional(),
    /** Which step failed (`postgres.dump`, `events.export`, `store.publish`, …). */
    step: z.string().max(100).optional(),
    /** The end of the tool's stderr. */
    stderrTail: z.string().max(4096).optional(),
  }),
});

const Drill = {
  ...RunRef,
  verifiedAt: IsoTimestamp,
  /** Each step of the drill and its milliseconds. */
  steps: z.array(z.object({ step: z.string().max(100), ms: z.number().nonnegative() })).max(50),
};

/** A restore drill passed; `rtoSeconds` is the restore time it measured. */
export const BackupVerified = defineEvent('backup.verified', {
  version: 1,
  schema: z.object({ ...Drill, rtoSeconds: z.number().nonnegative() }),
});

/** A restore drill passed, but took more than 1.2× the job's previous drill. */
export const BackupRtoRegressed = defineEvent('backup.rto_regressed', {
  version: 1,
  schema: z.object({ ...Drill, rtoSeconds: z.number().nonnegative(), previousRtoSeconds: z.number().positive() }),
});

export const BackupVerificationFailed = defineEvent('backup.verification_failed', {
  version: 1,
  schema: z.object({ ...Drill, failures: z.array(z.string().max(2048)).min(1).max(100) }),
});

/** A backup's artifacts were deleted by the job's retention. */
export const BackupPruned = defineEvent('backup.pruned', {
  version: 1,
  schema: z.object({ ...RunRef, prunedAt: IsoTimestamp, reason: z.string().max(500) }),
});

export type BackupStartedEvent = EventOf<typeof BackupStarted>;
export type BackupSucceededEvent = EventOf<typeof BackupSucceeded>;
export type BackupFailedEvent = EventOf<typeof BackupFailed>;
export type BackupVerifiedEvent = EventOf<typeof BackupVerified>;
export type BackupRtoRegressedEvent = EventOf<typeof BackupRtoRegressed>;
export type BackupVerificationFailedEvent = EventOf<typeof BackupVerificationFailed>;
export type BackupPrunedEvent = EventOf<typeof BackupPruned>;
export type BackupEvent =
  | BackupStartedEvent
  | BackupSucceededEvent
  | BackupFailedEvent
  | BackupVerifiedEvent
  | BackupRtoRegressedEvent
  | BackupVerificationFailedEvent
  | BackupPrunedEvent;
export type BackupEventType = BackupEvent['type'];

export const backupEvents = new EventCatalog<BackupEvent>([
  BackupStarted,
  BackupSucceeded,
  BackupFailed,
  BackupVerified,
  BackupRtoRegressed,
  BackupVerificationFailed,
  BackupPruned,
]);

/** The labels a run is matched and grouped by: its job's labels, `job` (the name) and `node` when it has one. */
export function backupRunLabels(data: BackupEvent['data']): Record<string, string> {
  const node = 'node' in data ? data.node : undefined;
  return { ...data.labels, job: data.job, ...(node ? { node } : {}) };
}
