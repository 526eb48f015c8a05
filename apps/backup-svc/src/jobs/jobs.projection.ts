import { type BackupJobEvent, backupJobEvents } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';

/** `backup.jobs`: every job not deleted, as its last event left it, with who changed it last. */
export const jobsProjection = (onChange: (jobId: string) => void): Projection<BackupJobEvent> => ({
  name: 'backup-jobs',
  catalog: backupJobEvents,
  async apply(event: StoredEvent<BackupJobEvent>, tx: EntityManager): Promise<void> {
    const by = event.meta.actor;
    switch (event.type) {
      case 'backupjob.created':
      case 'backupjob.updated': {
        const { job } = event.data;
        await tx.query(
          `INSERT INTO backup.jobs (id, job, paused, created_at, updated_at, updated_by, last_event_seq)
           VALUES ($1, $2, false, $3, $3, $4, $5)
           ON CONFLICT (id) DO UPDATE SET job = $2, updated_at = $3, updated_by = $4, last_event_seq = $5`,
          [job.id, JSON.stringify(job), event.occurredAt, by, event.seq],
        );
        break;
      }
      case 'backupjob.paused':
      case 'backupjob.resumed':
        await tx.query(
          `UPDATE backup.jobs SET paused = $2, updated_at = $3, updated_by = $4, last_event_seq = $5 WHERE id = $1`,
          [event.data.jobId, event.type === 'backupjob.paused', event.occurredAt, by, event.seq],
        );
        break;
      case 'backupjob.deleted':
        await tx.query('DELETE FROM backup.jobs WHERE id = $1', [event.data.jobId]);
        break;
      default: {
        const never: never = event;
        return never;
      }
    }
  },
  afterCommit(event: StoredEvent<BackupJobEvent>): void {
    onChange('job' in event.data ? event.data.job.id : event.data.jobId);
  },
  async reset(tx: EntityManager): Promise<void> {
    await tx.query('TRUNCATE backup.jobs');
  },
});
