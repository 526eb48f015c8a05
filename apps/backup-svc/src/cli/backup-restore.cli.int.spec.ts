import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@vigil/test-support';
import { runBackup } from '../engine/backup-run';
import { PgDumpDriver } from '../engine/postgres/pg-dump.driver';
import { LocalDirectoryStore } from '../engine/store/local-directory.store';
import { runBackupRestoreCli } from './backup-restore.cli';

jest.setTimeout(120_000);

describe('vigil backup restore', () => {
  let source: TestDatabase;
  let empty: TestDatabase;
  let root: string;
  const said: string[] = [];
  const cli = (...argv: string[]) =>
    runBackupRestoreCli(
      argv,
      root,
      (t) => said.push(t),
      (t) => said.push(t),
    );
  const rows = async (url: string) => {
    const c = new Client({ connectionString: url });
    await c.connect();
    const r = await c.query<{ n: string }>('SELECT count(*) AS n FROM app.items');
    await c.end();
    return Number(r.rows[0].n);
  };

  beforeAll(async () => {
    source = await createTestDatabase();
    empty = await createTestDatabase();
    root = await mkdtemp(join(tmpdir(), 'vigil-restore-'));
    const c = new Client({ connectionString: source.url });
    await c.connect();
    await c.query('CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, name text)');
    await c.query(`INSERT INTO app.items SELECT i, 'item ' || i FROM generate_series(1, 1000) i`);
    await c.end();
    await runBackup(
      { backupId: 'r-1', jobId: 'nightly', postgres: { url: source.url, schemas: ['app'] } },
      { store: new LocalDirectoryStore(join(root, 'nightly')), driver: new PgDumpDriver(), clock: () => new Date() },
    );
  });
  afterAll(async () => {
    await source?.drop();
    await empty?.drop();
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(() => (said.length = 0));

  it('restores into an empty database and checks the row counts', async () => {
    expect(await cli('r-1', '--from', 'nightly', '--into', empty.url)).toBe(0);
    expect(said.join('')).toMatch(/^restored backup r-1 \(.+\): 1 tables, 1000 rows, row counts as in the manifest/);
    expect(await rows(empty.url)).toBe(1000);
  });

  it('refuses a database that already holds the schemas unless --allow-live, then replaces them', async () => {
    const c = new Client({ connectionString: source.url });
    await c.connect();
    await c.query('DELETE FROM app.items WHERE id > 10');
    await c.end();
    expect(await cli('r-1', '--from', 'nightly', '--into', source.url)).toBe(1);
    expect(said.join('')).toMatch(/already holds 1 tables of the backed-up schemas: it looks live.*--allow-live/);
    expect(await rows(source.url)).toBe(10);
    expect(await cli('r-1', '--from', 'nightly', '--into', source.url, '--allow-live')).toBe(0);
    expect(await rows(source.url)).toBe(1000);
  });

  it('refuses a damaged backup before touching the database, and explains its usage', async () => {
    const dump = join(root, 'nightly', 'r-1', 'postgres.dump');
    const original = await readFile(dump);
    const damaged = Buffer.from(original);
    damaged[10] ^= 0xff;
    await writeFile(dump, damaged);
    const target = await createTestDatabase();
    try {
      expect(await cli('r-1', '--from', 'nightly', '--into', target.url)).toBe(1);
      expect(said.join('')).toMatch(/checksums: postgres.dump has SHA-256 [0-9a-f]{64}, the manifest says/);
    } finally {
      await writeFile(dump, original);
      await target.drop();
    }
    expect(await cli('r-1')).toBe(2);
  });
});
