import type { Readable } from 'node:stream';
import type { BackupManifest, ManifestTable } from '@vigil/contracts';
import type { WrittenArtifact } from '../store/artifact-store';

export type PostgresInfo = NonNullable<BackupManifest['postgres']>;

/**
 * A tool that backs a database up and restores it, behind one interface so that another (a
 * WAL-archiving tool) can take its place. `pg_dump`/`pg_restore` is the one there is.
 */
export interface DatabaseDriver {
  /** The tools it runs, name → version line, for the manifest. */
  versions(): Promise<Record<string, string>>;
  /**
   * Dumps `schemas` (the whole database when empty) as one archive handed to `write`, and reads
   * in the dump's own snapshot the WAL position and every table's row count.
   */
  dump(opts: {
    url: string;
    schemas: string[];
    write: (archive: Readable) => Promise<WrittenArtifact>;
  }): Promise<{ artifact: WrittenArtifact; info: PostgresInfo }>;
  /**
   * Restores an archive file into the database at `url`: an empty one, or with `clean` one whose
   * objects of the archive are dropped first (a restore over a live database).
   */
  restore(opts: { url: string; archive: string; jobs: number; clean?: boolean }): Promise<void>;
  /** Row counts of `tables` in the database at `url`, now. */
  countRows(url: string, tables: Pick<ManifestTable, 'schema' | 'table'>[]): Promise<ManifestTable[]>;
}
