import * as z from 'zod';
import { IsoTimestamp } from '../common.schema';
import { SUBJECT_TOKEN_PATTERN } from '../patterns';

/** The name of one backup (a directory or key prefix in the store): a subject token, so events can carry it. */
export const BackupId = z
  .string()
  .min(1)
  .max(128)
  .regex(SUBJECT_TOKEN_PATTERN, 'must contain only letters, digits, "_" and "-"');

/** A file of a backup: a plain name, never a path. */
export const ArtifactName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a plain file name (letters, digits, ".", "_", "-")');

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256');

export const ManifestArtifact = z.object({
  name: ArtifactName,
  /** What the file holds: a `pg_dump -Fc` archive or the exported event stream. */
  kind: z.enum(['postgres', 'events']),
  bytes: z.number().int().nonnegative(),
  sha256: Sha256,
});

export const ManifestTable = z.object({
  schema: z.string().min(1).max(63),
  table: z.string().min(1).max(63),
  /** Rows in the dump's own snapshot. */
  rows: z.number().int().nonnegative(),
});

/**
 * What one backup holds and how to check it: written last, beside its artifacts, with its own
 * SHA-256 in `manifest.sha256`. Verification trusts nothing else.
 */
export const BackupManifest = z.object({
  format: z.literal('vigil-backup/1'),
  id: BackupId,
  jobId: z.string().min(1).max(128),
  startedAt: IsoTimestamp,
  finishedAt: IsoTimestamp,
  /** Versions of the tools that wrote it (`pg_dump (PostgreSQL) 15.20`, `node v22…`). */
  tools: z.record(z.string().max(64), z.string().max(200)),
  postgres: z
    .object({
      serverVersion: z.string().max(200),
      database: z.string().max(63),
      /** The schemas dumped; empty: the whole database. */
      schemas: z.array(z.string().max(63)).max(100),
      /** `pg_current_wal_lsn()` in the dump's snapshot. */
      walLsn: z.string().regex(/^[0-9A-F]+\/[0-9A-F]+$/),
      tables: z.array(ManifestTable).max(10_000),
    })
    .optional(),
  events: z
    .object({
      stream: z.string().max(256),
      /** The sequence range exported, both ends included; empty stream: 0 and 0. */
      firstSeq: z.number().int().nonnegative(),
      lastSeq: z.number().int().nonnegative(),
      messages: z.number().int().nonnegative(),
    })
    .optional(),
  artifacts: z.array(ManifestArtifact).min(1).max(100),
});

export type BackupManifest = z.infer<typeof BackupManifest>;
export type ManifestArtifact = z.infer<typeof ManifestArtifact>;
export type ManifestTable = z.infer<typeof ManifestTable>;

/**
 * The scratch stream restore drills replay an exported event stream into, and its subjects:
 * `<P>_VERIFY` on `<p>.verify.>` (no prefix in production: `VERIFY`, `verify.>`). One per
 * deployment (a NATS permission names a stream as one whole token), so drills take turns
 * (backup-svc holds a Redis lease while one runs). backup-svc may create and delete this stream,
 * and no other.
 */
export function drillScratch(prefix: string): { stream: string; subjectPrefix: string } {
  return prefix
    ? { stream: `${prefix.toUpperCase().replace(/-/g, '_')}_VERIFY`, subjectPrefix: `${prefix}.verify` }
    : { stream: 'VERIFY', subjectPrefix: 'verify' };
}
