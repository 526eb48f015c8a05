import type { Readable } from 'node:stream';

export interface WrittenArtifact {
  name: string;
  bytes: number;
  sha256: string;
}

/**
 * A backup being written. Nothing of it is visible to `list()` until `publish()`, which makes
 * all of its files appear at once; a process killed before that leaves only a staging area that
 * `sweep()` removes, never a backup that looks complete.
 */
export interface StagedBackup {
  /** Writes one file from `source`, counting and hashing the bytes as they pass. */
  write(name: string, source: Readable): Promise<WrittenArtifact>;
  publish(): Promise<void>;
  abort(): Promise<void>;
}

/** Where backups are kept: a local directory today, S3-compatible object storage next. */
export interface ArtifactStore {
  /** Where, for logs and the API (no credentials). */
  readonly description: string;
  stage(backupId: string): Promise<StagedBackup>;
  /** The published backups' ids. */
  list(): Promise<string[]>;
  /** One file of a published backup; NotFoundError when it (or the backup) is missing. */
  read(backupId: string, name: string): Promise<Readable>;
  /** Deletes a published backup and all its files. */
  remove(backupId: string): Promise<void>;
  /**
   * Removes what runs that never published left behind, except the staging areas of the backups
   * `inProgress` says are still being written (by this process or another) and those younger than
   * `minAgeMs` (a run another replica has just started); returns how many.
   */
  sweep(inProgress?: (backupId: string) => boolean, minAgeMs?: number): Promise<number>;
}
