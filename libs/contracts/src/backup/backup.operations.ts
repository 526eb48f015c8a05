import * as z from 'zod';
import { IsoTimestamp, Labels } from '../common.schema';
import { BackupJob, BackupJobId } from './backup-job.schema';
import { BackupId } from './manifest.schema';

/** Who asks (`user:<name>`, `key:<id>`); recorded as the events' actor. */
const Actor = z.string().min(1).max(256);

export const BackupJobView = z.object({
  job: BackupJob,
  paused: z.boolean(),
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
  updatedBy: z.string(),
});
export type BackupJobView = z.infer<typeof BackupJobView>;

export const BackupRunView = z.object({
  runId: BackupId,
  jobId: BackupJobId,
  job: z.string(),
  labels: Labels,
  trigger: z.enum(['schedule', 'catch-up', 'manual']),
  scheduledFor: IsoTimestamp.nullable(),
  state: z.enum(['running', 'succeeded', 'failed']),
  startedAt: IsoTimestamp,
  finishedAt: IsoTimestamp.nullable(),
  bytes: z.number().nullable(),
  location: z.string().nullable(),
  error: z.string().nullable(),
  step: z.string().nullable(),
  exitCode: z.number().nullable(),
  stderrTail: z.string().nullable(),
  /** The last restore drill of this backup. */
  drill: z
    .object({
      outcome: z.enum(['verified', 'rto_regressed', 'verification_failed']),
      at: IsoTimestamp,
      rtoSeconds: z.number().nullable(),
      failures: z.array(z.string()),
    })
    .nullable(),
  prunedAt: IsoTimestamp.nullable(),
  startedBy: z.string(),
});
export type BackupRunView = z.infer<typeof BackupRunView>;

const JobIdRequest = z.object({ jobId: BackupJobId, actor: Actor });
export const JobChange = z.object({ jobId: BackupJobId, changed: z.boolean() });
export type JobChange = z.infer<typeof JobChange>;

export const ListRunsRequest = z.object({
  jobId: BackupJobId.optional(),
  limit: z.number().int().min(1).max(500).default(100),
});
export const StartedRun = z.object({ runId: BackupId });

/** The request/reply operations of backup-svc (`cmd.backup.*`, `qry.backup.*`). */
export const backupOperations = {
  listJobs: {
    kind: 'qry',
    context: 'backup',
    what: 'jobs-list',
    request: z.object({}),
    reply: z.object({ jobs: z.array(BackupJobView) }),
  },
  upsertJob: {
    kind: 'cmd',
    context: 'backup',
    what: 'job-upsert',
    request: z.object({ job: BackupJob, actor: Actor }),
    reply: JobChange,
  },
  pauseJob: { kind: 'cmd', context: 'backup', what: 'job-pause', request: JobIdRequest, reply: JobChange },
  resumeJob: { kind: 'cmd', context: 'backup', what: 'job-resume', request: JobIdRequest, reply: JobChange },
  deleteJob: { kind: 'cmd', context: 'backup', what: 'job-delete', request: JobIdRequest, reply: JobChange },
  /** Starts a run of a job now; answers once it has started (its outcome arrives as events). */
  runJob: { kind: 'cmd', context: 'backup', what: 'job-run', request: JobIdRequest, reply: StartedRun },
  listRuns: {
    kind: 'qry',
    context: 'backup',
    what: 'runs-list',
    request: ListRunsRequest,
    reply: z.object({ runs: z.array(BackupRunView) }),
  },
  /** Starts a restore drill of a backup now; its outcome arrives as an event. */
  verifyRun: {
    kind: 'cmd',
    context: 'backup',
    what: 'run-verify',
    request: z.object({ runId: BackupId, actor: Actor }),
    reply: StartedRun,
  },
} as const;
