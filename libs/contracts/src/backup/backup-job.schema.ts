import * as z from 'zod';
import { NodeLabels } from '../common.schema';
import { SUBJECT_TOKEN_PATTERN } from '../patterns';

/** A backup job's id: a subject token (`events.backupjob.<id>`). */
export const BackupJobId = z
  .string()
  .min(1)
  .max(64)
  .regex(SUBJECT_TOKEN_PATTERN, 'must contain only letters, digits, "_" and "-"');

/** Five cron fields (minute hour day-of-month month day-of-week); backup-svc checks the values. */
export const CronExpression = z
  .string()
  .max(120)
  .regex(/^\S+( \S+){4}$/, 'must be five cron fields: minute hour day-of-month month day-of-week');

/** An IANA time zone the runtime knows (`Asia/Shanghai`, `UTC`). */
export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as "UTC" or "Asia/Shanghai"');

export const Schedule = z.object({ cron: CronExpression, timeZone: TimeZone.default('UTC') });
export type Schedule = z.infer<typeof Schedule>;

const SchemaName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case PostgreSQL schema name');

/**
 * Where a job keeps its backups. `local`: a directory under backup-svc's VIGIL_BACKUP_ROOT (a
 * name, never a path: the API cannot make backup-svc write elsewhere). S3 is planned.
 */
export const BackupTarget = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('local'),
    directory: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must be a directory name (letters, digits, "_", "-"), not a path'),
  }),
]);
export type BackupTarget = z.infer<typeof BackupTarget>;

/**
 * How many backups to keep: the newest `keepLast`, and the newest of each of the last `daily`
 * days, `weekly` weeks and `monthly` months (in the job's time zone). Never fewer than two, and
 * never the newest verified one (see `retention.ts` in backup-svc).
 */
export const Retention = z.object({
  keepLast: z.number().int().min(2).max(1000).default(2),
  daily: z.number().int().min(0).max(1000).default(7),
  weekly: z.number().int().min(0).max(520).default(4),
  monthly: z.number().int().min(0).max(240).default(12),
});
export type Retention = z.infer<typeof Retention>;

export const BackupJob = z
  .object({
    id: BackupJobId,
    /** The `job` label of its runs' events and alerts. */
    name: z.string().min(1).max(200),
    /** The platform's database: chosen schemas, or all of it when empty. Absent: no database. */
    postgres: z.object({ schemas: z.array(SchemaName).max(50).default([]) }).optional(),
    /** The EVENTS stream, the source of truth. */
    events: z.boolean().default(true),
    target: BackupTarget,
    schedule: Schedule.default({ cron: '0 2 * * *', timeZone: 'UTC' }),
    /** Restore drills (verification): weekly by default. */
    verifySchedule: Schedule.default({ cron: '0 4 * * 0', timeZone: 'UTC' }),
    retention: Retention.default({ keepLast: 2, daily: 7, weekly: 4, monthly: 12 }),
    /** Carried by its runs' events and alerts: at most REQUEST_LIMITS.node_labels of them. */
    labels: NodeLabels.default({}),
  })
  .refine((job) => job.postgres !== undefined || job.events, {
    message: 'a job backs up the database, the event stream or both',
    path: ['events'],
  });
export type BackupJob = z.infer<typeof BackupJob>;
export type BackupJobInput = z.input<typeof BackupJob>;
