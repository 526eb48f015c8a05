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

export const BackupSucceeded = defineEvent('backup.succeeded', {
  version: 1,
  schema: z.object({ ...BackupRun }),
});

export const BackupFailed = defineEvent('backup.failed', {
  version: 1,
  schema: z.object({
    ...BackupRun,
    /** What the tool said, for the alert and the operator. */
    error: z.string().min(1).max(4096),
    exitCode: z.number().int().optional(),
  }),
});

export type BackupSucceededEvent = EventOf<typeof BackupSucceeded>;
export type BackupFailedEvent = EventOf<typeof BackupFailed>;
export type BackupEvent = BackupSucceededEvent | BackupFailedEvent;
export type BackupEventType = BackupEvent['type'];

export const backupEvents = new EventCatalog<BackupEvent>([BackupSucceeded, BackupFailed]);

/** The labels a run is matched and grouped by: its job's labels, `job` (the name) and `node` when it has one. */
export function backupRunLabels(data: BackupEvent['data']): Record<string, string> {
  return { ...data.labels, job: data.job, ...(data.node ? { node: data.node } : {}) };
}
