import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type BackupManifest, IllegalStateError } from '@vigil/contracts';
import type { DatabaseDriver } from './postgres/database-driver';
import type { ArtifactStore } from './store/artifact-store';
import { StepError } from './tool-error';
import { checkArtifact, readManifest } from './verify';

export interface RestoreResult {
  manifest: BackupManifest;
  tables: number;
  rows: number;
  seconds: number;
}

/**
 * Restores a backup's database archive into the database at `intoUrl`, after checking the
 * manifest and the archive's SHA-256, and compares every table's row count with the manifest.
 * A database that already holds tables of the backed-up schemas is taken for a live one and
 * refused, unless `allowLive` (its objects of the archive are then dropped and replaced).
 */
export async function restoreBackup(opts: {
  store: ArtifactStore;
  backupId: string;
  intoUrl: string;
  allowLive: boolean;
  jobs: number;
  driver: DatabaseDriver;
}): Promise<RestoreResult> {
  const t0 = Date.now();
  const manifest = await readManifest(opts.store, opts.backupId);
  const pg = manifest.postgres;
  const archive = manifest.artifacts.find((a) => a.kind === 'postgres');
  if (!pg || !archive) throw new StepError('restore', `backup ${opts.backupId} holds no database`);
  const existing = await tablesIn(opts.intoUrl, [...new Set(pg.tables.map((t) => t.schema))]);
  if (existing > 0 && !opts.allowLive)
    throw new IllegalStateError(
      `the target database already holds ${existing} tables of the backed-up schemas: it looks live. ` +
        'Restore into an empty database, or pass --allow-live to drop and replace them',
    );
  const work = await mkdtemp(join(tmpdir(), 'vigil-restore-'));
  try {
    const file = join(work, archive.name);
    const problem = await checkArtifact(opts.store, opts.backupId, archive, file);
    if (problem) throw new StepError('checksums', problem.replace(/^checksums: /, ''));
    await opts.driver.restore({ url: opts.intoUrl, archive: file, jobs: opts.jobs, clean: existing > 0 });
    const counts = await opts.driver.countRows(opts.intoUrl, pg.tables);
    const wrong = pg.tables.filter((t, i) => counts[i].rows !== t.rows);
    if (wrong.length > 0)
      throw new StepError(
        'postgres.count',
        wrong.map((t) => `${t.schema}.${t.table}: the manifest says ${t.rows} rows`).join('; '),
      );
    return {
      manifest,
      tables: pg.tables.length,
      rows: counts.reduce((s, c) => s + c.rows, 0),
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function tablesIn(url: string, schemas: string[]): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
          AND (cardinality($1::text[]) = 0 OR schemaname = ANY($1::text[]))`,
      [schemas],
    );
    return Number(r.rows[0].n);
  } finally {
    await c.end();
  }
}
