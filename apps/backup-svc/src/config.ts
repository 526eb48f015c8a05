import { z } from '@vigil/contracts';

/** backup-svc's own environment keys (the common ones come from the platform). */
export const BackupEnv = z.object({
  /** Where `local` targets keep their backups: each job's `target.directory` is a folder in it. */
  VIGIL_BACKUP_ROOT: z.string().min(1).default('var/backups'),
  /** The database backed up; absent: DATABASE_URL (the platform's). Its role reads every schema. */
  VIGIL_BACKUP_DATABASE_URL: z.string().min(1).optional(),
  /**
   * A database on the server restore drills restore into: the drill creates a scratch database
   * there and drops it (the role needs CREATEDB). Absent: the database backed up.
   */
  VIGIL_BACKUP_SCRATCH_DATABASE_URL: z.string().min(1).optional(),
  /** pg_restore's parallel jobs in a drill. */
  VIGIL_BACKUP_RESTORE_JOBS: z.coerce.number().int().min(1).max(64).default(2),
  /** How often the scheduler (on one replica, a Redis lease of three times this) looks for due work. */
  VIGIL_BACKUP_TICK_MS: z.coerce.number().int().min(200).max(600_000).default(5000),
  /** A schedule time older than this when it is first seen (backup-svc was down) runs as `catch-up`. */
  VIGIL_BACKUP_SCHEDULE_GRACE_MS: z.coerce.number().int().min(1000).default(120_000),
  /** A run whose runner stopped beating this long (its process died) is marked failed. */
  VIGIL_BACKUP_ORPHAN_MS: z.coerce.number().int().min(1000).default(60_000),
});
export type BackupEnv = z.infer<typeof BackupEnv>;
