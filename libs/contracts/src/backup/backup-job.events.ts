import * as z from 'zod';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';
import { BackupJob, BackupJobId } from './backup-job.schema';

/** One backup job is one aggregate (`events.backupjob.<jobId>`). */
export const BackupJobCreated = defineEvent('backupjob.created', { version: 1, schema: z.object({ job: BackupJob }) });
export const BackupJobUpdated = defineEvent('backupjob.updated', { version: 1, schema: z.object({ job: BackupJob }) });
export const BackupJobPaused = defineEvent('backupjob.paused', {
  version: 1,
  schema: z.object({ jobId: BackupJobId }),
});
export const BackupJobResumed = defineEvent('backupjob.resumed', {
  version: 1,
  schema: z.object({ jobId: BackupJobId }),
});
export const BackupJobDeleted = defineEvent('backupjob.deleted', {
  version: 1,
  schema: z.object({ jobId: BackupJobId }),
});

export type BackupJobEvent =
  | EventOf<typeof BackupJobCreated>
  | EventOf<typeof BackupJobUpdated>
  | EventOf<typeof BackupJobPaused>
  | EventOf<typeof BackupJobResumed>
  | EventOf<typeof BackupJobDeleted>;

export const backupJobEvents = new EventCatalog<BackupJobEvent>([
  BackupJobCreated,
  BackupJobUpdated,
  BackupJobPaused,
  BackupJobResumed,
  BackupJobDeleted,
]);
