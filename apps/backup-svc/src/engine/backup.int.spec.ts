import { chmod, cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { EVENTS_ARCHIVE, MANIFEST, MANIFEST_SHA256, POSTGRES_ARCHIVE, runBackup, type BackupSpec } from './backup-run';
import { sha256Hex } from './checksum';
import { PgDumpDriver } from './postgres/pg-dump.driver';
import { LocalDirectoryStore } from './store/local-directory.store';
import { verifyBackup, type VerifyDeps } from './verify';

jest.setTimeout(120_000);

const EVENTS = 600;

describe('a backup of a database and the event stream, and its restore drill', () => {
  let db: TestDatabase;
  let bus: TestBus;
  let root: string;
  const driver = new PgDumpDriver();
  const clock = () => new Date();

  beforeAll(async () => {
    db = await createTestDatabase();
    bus = await createTestBus();
    root = await mkdtemp(join(tmpdir(), 'vigil-backup-'));
    const c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query(`CREATE SCHEMA metrics; CREATE SCHEMA registry; CREATE SCHEMA other`);
    await c.query(
      `CREATE TABLE metrics.rollup_1m (node text, bucket timestamptz, value double precision, PRIMARY KEY (node, bucket))`,
    );
    await c.query(
      `INSERT INTO metrics.rollup_1m SELECT 'n' || (i % 50), now() - i * interval '1 minute', i FROM generate_series(1, 20000) i`,
    );
    await c.query(`CREATE TABLE registry.nodes (id text PRIMARY KEY, labels jsonb)`);
    await c.query(
      `INSERT INTO registry.nodes SELECT 'n' || i, jsonb_build_object('rack', i % 4) FROM generate_series(1, 50) i`,
    );
    await c.query(`CREATE TABLE other.t (x int); INSERT INTO other.t VALUES (1)`);
    await c.end();
    for (let i = 0; i < EVENTS; i++)
      await bus.js.publish(bus.topology.subjects.events('node', `n${i % 50}`), Buffer.from(JSON.stringify({ i })), {
        msgID: `e-${i}`,
      });
  });
  afterAll(async () => {
    await bus?.close();
    await db?.drop();
    await rm(root, { recursive: true, force: true });
  });

  const spec = (backupId: string, schemas = ['metrics', 'registry']): BackupSpec => ({
    backupId,
    jobId: 'nightly',
    postgres: { url: db.url, schemas },
    events: {
      js: bus.js,
      jsm: bus.jsm,
      stream: bus.topology.streams.events,
      unprefixed: (s) => bus.topology.unprefixed(s),
    },
  });
  const verifyDeps = (store: LocalDirectoryStore): VerifyDeps => ({
    store,
    driver,
    scratchPostgresUrl: testUrls.postgresAdmin,
    nats: { js: bus.js, jsm: bus.jsm, prefix: bus.topology.prefix },
    jobs: 2,
    clock: () => Date.now(),
  });

  /** A copy of backup `id` in a store of its own, to damage. */
  async function copyOf(id: string): Promise<{ store: LocalDirectoryStore; dir: string }> {
    const copyRoot = await mkdtemp(join(root, 'copy-'));
    await cp(join(root, 'main', id), join(copyRoot, id), { recursive: true });
    return { store: new LocalDirectoryStore(copyRoot), dir: join(copyRoot, id) };
  }

  it('writes a manifest with every artifact, the row counts of the dump snapshot, the WAL position and the stream range', async () => {
    const store = new LocalDirectoryStore(join(root, 'main'));
    const { manifest, manifestSha256 } = await runBackup(spec('b-1'), { store, driver, clock });
    expect(await store.list()).toEqual(['b-1']);
    expect(manifest.postgres?.tables).toEqual([
      { schema: 'metrics', table: 'rollup_1m', rows: 20000 },
      { schema: 'registry', table: 'nodes', rows: 50 },
    ]);
    expect(manifest.postgres?.walLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(manifest.events).toEqual({
      stream: bus.topology.streams.events,
      firstSeq: 1,
      lastSeq: EVENTS,
      messages: EVENTS,
    });
    expect(manifest.tools.pg_dump).toMatch(/^pg_dump \(PostgreSQL\) \d+/);
    expect(manifest.artifacts.map((a) => a.name)).toEqual([POSTGRES_ARCHIVE, EVENTS_ARCHIVE]);
    for (const a of manifest.artifacts) {
      const bytes = await readFile(join(root, 'main', 'b-1', a.name));
      expect({ bytes: bytes.length, sha256: sha256Hex(bytes) }).toEqual({ bytes: a.bytes, sha256: a.sha256 });
    }
    const body = await readFile(join(root, 'main', 'b-1', MANIFEST));
    expect(manifestSha256).toBe(sha256Hex(body));
    expect(await readFile(join(root, 'main', 'b-1', MANIFEST_SHA256), 'utf8')).toBe(
      `${sha256Hex(body)}  ${MANIFEST}\n`,
    );
  });

  it('verifies it by restoring into a scratch database and stream, measuring the time, and leaves nothing behind', async () => {
    const result = await verifyBackup('b-1', verifyDeps(new LocalDirectoryStore(join(root, 'main'))));
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.rtoSeconds).toBeGreaterThan(0);
    expect(result.steps.map((s) => s.step)).toEqual([
      'manifest',
      'checksums',
      'postgres.create-scratch',
      'postgres.restore',
      'postgres.count',
      'events.replay',
    ]);
    const c = new Client({ connectionString: testUrls.postgresAdmin });
    await c.connect();
    const left = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'vigil_verify_%'`);
    await c.end();
    expect(left.rows).toEqual([]);
    const streams: string[] = [];
    for await (const s of bus.jsm.streams.list()) streams.push(s.config.name);
    expect(streams.filter((s) => s.includes('_VERIFY_'))).toEqual([]);
  });

  it('fails a corrupted, a truncated and a missing artifact, each with its reason', async () => {
    const corrupt = await copyOf('b-1');
    const dump = join(corrupt.dir, POSTGRES_ARCHIVE);
    const bytes = await readFile(dump);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    await writeFile(dump, bytes);
    const r1 = await verifyBackup('b-1', verifyDeps(corrupt.store));
    expect(r1.ok).toBe(false);
    expect(r1.failures).toEqual([
      expect.stringMatching(/^checksums: postgres.dump has SHA-256 [0-9a-f]{64}, the manifest says/),
    ]);

    const truncated = await copyOf('b-1');
    await truncate(join(truncated.dir, EVENTS_ARCHIVE), 100);
    const r2 = await verifyBackup('b-1', verifyDeps(truncated.store));
    expect(r2.failures).toEqual([
      expect.stringMatching(/^checksums: events.ndjson.gz has 100 bytes, the manifest says \d+/),
    ]);

    const missing = await copyOf('b-1');
    await rm(join(missing.dir, POSTGRES_ARCHIVE));
    const r3 = await verifyBackup('b-1', verifyDeps(missing.store));
    expect(r3.failures).toEqual([expect.stringMatching(/postgres.dump of backup b-1 is missing/)]);
  });

  it('fails a changed manifest, and compares the restored rows and events with what the manifest says', async () => {
    const edited = await copyOf('b-1');
    const file = join(edited.dir, MANIFEST);
    const manifest = JSON.parse(await readFile(file, 'utf8'));
    manifest.postgres.tables[1].rows = 51;
    await writeFile(file, JSON.stringify(manifest));
    const r1 = await verifyBackup('b-1', verifyDeps(edited.store));
    expect(r1.failures).toEqual(['manifest: manifest.json does not match its SHA-256 (it was changed or damaged)']);

    // The same change with a matching checksum: only the restore can tell.
    await writeFile(join(edited.dir, MANIFEST_SHA256), `${sha256Hex(await readFile(file))}  ${MANIFEST}\n`);
    const r2 = await verifyBackup('b-1', verifyDeps(edited.store));
    expect(r2.failures).toEqual(['postgres.count: registry.nodes has 50 rows, the manifest says 51']);

    manifest.postgres.tables[1].rows = 50;
    manifest.events.messages = EVENTS + 1;
    manifest.events.lastSeq = EVENTS + 1;
    await writeFile(file, JSON.stringify(manifest));
    await writeFile(join(edited.dir, MANIFEST_SHA256), `${sha256Hex(await readFile(file))}  ${MANIFEST}\n`);
    const r3 = await verifyBackup('b-1', verifyDeps(edited.store));
    expect(r3.failures).toEqual([
      `events.replay: the archive holds ${EVENTS} messages, the manifest says ${EVENTS + 1}`,
    ]);
  });

  it('publishes nothing when the dump fails, and says which step, the exit code and what the tool said', async () => {
    const store = new LocalDirectoryStore(join(root, 'failing'));
    await expect(runBackup(spec('b-2', ['metrics', 'nosuch']), { store, driver, clock })).rejects.toThrow(
      'postgres.dump: no such schema or no tables in it: nosuch',
    );
    const fake = join(root, 'pg_dump_dies');
    await writeFile(
      fake,
      '#!/bin/sh\nif [ "$1" = --version ]; then echo "pg_dump (PostgreSQL) 15.0"; exit 0; fi\nprintf partial\necho "pg_dump: error: connection lost" >&2\nexit 3\n',
    );
    await chmod(fake, 0o755);
    const dying = new PgDumpDriver({ pgDump: fake, pgRestore: 'pg_restore' });
    const error = await runBackup(spec('b-3'), { store, driver: dying, clock }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      step: 'postgres.dump',
      exitCode: 3,
      stderrTail: 'pg_dump: error: connection lost',
      message: expect.stringContaining('exited with 3: pg_dump: error: connection lost'),
    });
    expect(await store.list()).toEqual([]);
    expect(await store.sweep()).toBe(0);
  });
});
