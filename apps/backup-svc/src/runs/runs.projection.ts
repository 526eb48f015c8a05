import { type BackupEvent, backupEvents } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';

/** `backup.runs`: every run, its outcome, its last restore drill and whether it was pruned. */
export const runsProjection = (onChange: (runId: string) => void): Projection<BackupEvent> => ({
  name: 'backup-runs',
  catalog: backupEvents,
  async apply(event: StoredEvent<BackupEvent>, tx: EntityManager): Promise<void> {
    switch (event.type) {
      case 'backup.started': {
        const s = event.data;
        await tx.query(
          `INSERT INTO backup.runs (run_id, job_id, job, labels, trigger, scheduled_for, state, started_at, started_by, last_event_seq)
           VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9)
           ON CONFLICT (run_id) DO NOTHING`,
          [
            s.runId,
            s.jobId,
            s.job,
            JSON.stringify(s.labels),
            s.trigger,
            s.scheduledFor ?? null,
            s.startedAt,
            event.meta.actor,
            event.seq,
          ],
        );
        break;
      }
      case 'backup.succeeded': {
        const s = event.data;
        await tx.query(
          `UPDATE backup.runs SET state = 'succeeded', finished_at = $2, bytes = $3, location = $4, manifest_sha256 = $5,
             last_event_seq = $6 WHERE run_id = $1`,
          [s.runId, s.finishedAt, s.bytes ?? null, s.location ?? null, s.manifestSha256 ?? null, event.seq],
        );
        break;
      }
      case 'backup.failed': {
        const f = event.data;
        // A run that failed before this projection saw it start (an older stream) still shows.
        await tx.query(
          `INSERT INTO backup.runs (run_id, job_id, job, labels, trigger, state, started_at, started_by, finished_at,
             error, step, exit_code, stderr_tail, last_event_seq)
           VALUES ($1, $2, $3, $4, 'manual', 'failed', $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (run_id) DO UPDATE SET state = 'failed', finished_at = $7, error = $8, step = $9, exit_code = $10,
             stderr_tail = $11, last_event_seq = $12`,
          [
            f.runId,
            f.jobId,
            f.job,
            JSON.stringify(f.labels),
            f.startedAt,
            event.meta.actor,
            f.finishedAt,
            f.error,
            f.step ?? null,
            f.exitCode ?? null,
            f.stderrTail ?? null,
            event.seq,
          ],
        );
        break;
      }
      case 'backup.verified':
      case 'backup.rto_regressed':
      case 'backup.verification_failed': {
        const v = event.data;
        const outcome = event.type.slice('backup.'.length);
        const rto = 'rtoSeconds' in v ? v.rtoSeconds : null;
        const failures = 'failures' in v ? v.failures : [];
        await tx.query(
          `UPDATE backup.runs SET drill_outcome = $2, drill_at = $3, drill_rto_seconds = $4, drill_failures = $5,
             last_event_seq = $6 WHERE run_id = $1`,
          [v.runId, outcome, v.verifiedAt, rto, JSON.stringify(failures), event.seq],
        );
        break;
      }
      case 'backup.pruned':
        await tx.query('UPDATE backup.runs SET pruned_at = $2, last_event_seq = $3 WHERE run_id = $1', [
          event.data.runId,
          event.data.prunedAt,
          event.seq,
        ]);
        break;
      default: {
        const never: never = event;
        return never;
      }
    }
  },
  afterCommit(event: StoredEvent<BackupEvent>): void {
    onChange(event.data.runId);
  },
  async reset(tx: EntityManager): Promise<void> {
    await tx.query('TRUNCATE backup.runs');
  },
});
