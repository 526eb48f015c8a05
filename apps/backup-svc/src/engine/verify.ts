import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';
import { BackupManifest, drillScratch, type ManifestArtifact, NotFoundError } from '@vigil/contracts';
import { MANIFEST, MANIFEST_SHA256 } from './backup-run';
import { Sha256Meter, sha256Hex } from './checksum';
import { replayStream } from './events/stream-archive';
import type { DatabaseDriver } from './postgres/database-driver';
import type { ArtifactStore } from './store/artifact-store';
import { StepError } from './tool-error';

export interface VerifyDeps {
  store: ArtifactStore;
  driver: DatabaseDriver;
  /** A database on the server to restore into, where a scratch database may be created and dropped. */
  scratchPostgresUrl: string;
  /**
   * Where the drills' scratch stream (`drillScratch` of the topology `prefix`) is created and
   * deleted. There is one: the caller makes drills take turns.
   */
  nats: { js: JetStreamClient; jsm: JetStreamManager; prefix: string };
  /** pg_restore's parallel jobs. */
  jobs: number;
  clock: () => number;
}

export interface VerifyStep {
  step: string;
  ms: number;
}

export interface VerifyResult {
  backupId: string;
  ok: boolean;
  /** Why it failed, one line each (empty when ok). */
  failures: string[];
  steps: VerifyStep[];
  /** From the first byte read to the last event replayed: the restore time this backup needs (ok only). */
  rtoSeconds?: number;
  manifest?: BackupManifest;
}

/**
 * A restore drill: reads the manifest and checks its own SHA-256, reads every artifact and checks
 * its size and SHA-256, restores the database archive into a scratch database with pg_restore and
 * compares every table's row count with the manifest, replays the exported stream into a scratch
 * stream and checks its sequence range, and drops the scratch resources whatever happened.
 */
export async function verifyBackup(backupId: string, deps: VerifyDeps): Promise<VerifyResult> {
  const steps: VerifyStep[] = [];
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const t0 = deps.clock();
    try {
      return await work();
    } finally {
      steps.push({ step, ms: deps.clock() - t0 });
    }
  };
  const failed = (failures: string[], manifest?: BackupManifest): VerifyResult => ({
    backupId,
    ok: false,
    failures,
    steps,
    manifest,
  });

  const start = deps.clock();
  let manifest: BackupManifest;
  try {
    manifest = await timed('manifest', () => readManifest(deps.store, backupId));
  } catch (e) {
    return failed([reason(e)]);
  }

  const work = await mkdtemp(join(tmpdir(), 'vigil-verify-'));
  const scratchDb = `vigil_verify_${randomBytes(6).toString('hex')}`;
  const scratch = drillScratch(deps.nats.prefix);
  let dbCreated = false;
  let streamCreated = false;
  try {
    const files = new Map<string, string>();
    const checksumFailures: string[] = [];
    await timed('checksums', async () => {
      for (const a of manifest.artifacts) {
        const problem = await checkArtifact(deps.store, backupId, a, join(work, a.name)).catch((e: unknown) =>
          reason(e),
        );
        if (problem) checksumFailures.push(problem);
        else files.set(a.kind, join(work, a.name));
      }
    });
    if (checksumFailures.length > 0) return failed(checksumFailures, manifest);

    const failures: string[] = [];
    if (manifest.postgres) {
      const pg = manifest.postgres;
      try {
        const url = await timed('postgres.create-scratch', async () => {
          const created = await createDatabase(deps.scratchPostgresUrl, scratchDb);
          dbCreated = true;
          return created;
        });
        await timed('postgres.restore', () =>
          deps.driver.restore({ url, archive: files.get('postgres') as string, jobs: deps.jobs }),
        );
        const counts = await timed('postgres.count', () => deps.driver.countRows(url, pg.tables));
        for (const [i, t] of pg.tables.entries()) {
          if (counts[i].rows !== t.rows)
            failures.push(
              `postgres.count: ${t.schema}.${t.table} has ${counts[i].rows} rows, the manifest says ${t.rows}`,
            );
        }
      } catch (e) {
        failures.push(reason(e));
      }
    }
    if (manifest.events && failures.length === 0) {
      const range = manifest.events;
      try {
        await timed('events.replay', async () => {
          // Left by a drill that died (drills take turns: the caller holds the drill lease).
          await deps.nats.jsm.streams.delete(scratch.stream).catch(() => undefined);
          await deps.nats.jsm.streams.add({ name: scratch.stream, subjects: [`${scratch.subjectPrefix}.>`] });
          streamCreated = true;
          await replayStream({
            js: deps.nats.js,
            archive: createReadStream(files.get('events') as string),
            expected: range,
            subjectFor: (subject) => `${scratch.subjectPrefix}.${subject}`,
            targetFirstSeq: 1,
          });
          const info = await deps.nats.jsm.streams.info(scratch.stream);
          if (info.state.messages !== range.messages)
            throw new StepError(
              'events.replay',
              `the scratch stream holds ${info.state.messages} messages, expected ${range.messages}`,
            );
        });
      } catch (e) {
        failures.push(reason(e));
      }
    }
    if (failures.length > 0) return failed(failures, manifest);
    return { backupId, ok: true, failures: [], steps, manifest, rtoSeconds: (deps.clock() - start) / 1000 };
  } finally {
    if (dbCreated) await dropDatabase(deps.scratchPostgresUrl, scratchDb).catch(() => undefined);
    if (streamCreated) await deps.nats.jsm.streams.delete(scratch.stream).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

/** The manifest, after its SHA-256 matched `manifest.sha256` and it parsed. */
export async function readManifest(store: ArtifactStore, backupId: string): Promise<BackupManifest> {
  const body = await readAll(await store.read(backupId, MANIFEST), 8 * 1024 * 1024, MANIFEST);
  const sums = (await readAll(await store.read(backupId, MANIFEST_SHA256), 1024, MANIFEST_SHA256)).toString('utf8');
  const expected = /^([0-9a-f]{64})\s/.exec(sums)?.[1];
  if (!expected) throw new StepError('manifest', `${MANIFEST_SHA256} holds no SHA-256`);
  if (sha256Hex(body) !== expected)
    throw new StepError('manifest', `${MANIFEST} does not match its SHA-256 (it was changed or damaged)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new StepError('manifest', `${MANIFEST} is not JSON`);
  }
  const r = BackupManifest.safeParse(parsed);
  if (!r.success) throw new StepError('manifest', `${MANIFEST} is not a Vigil manifest: ${r.error.issues[0]?.message}`);
  if (r.data.id !== backupId) throw new StepError('manifest', `${MANIFEST} is of backup ${r.data.id}, not ${backupId}`);
  return r.data;
}

/** Copies one artifact to `file` while measuring it; a problem as one line, or undefined. */
export async function checkArtifact(
  store: ArtifactStore,
  backupId: string,
  a: ManifestArtifact,
  file: string,
): Promise<string | undefined> {
  const meter = new Sha256Meter();
  await pipeline(await store.read(backupId, a.name), meter, createWriteStream(file));
  if (meter.bytes !== a.bytes) return `checksums: ${a.name} has ${meter.bytes} bytes, the manifest says ${a.bytes}`;
  const sha = meter.digest();
  if (sha !== a.sha256) return `checksums: ${a.name} has SHA-256 ${sha}, the manifest says ${a.sha256}`;
  return undefined;
}

async function readAll(source: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  await pipeline(
    source,
    new PassThrough(),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > limit) done(new StepError('manifest', `${what} is larger than ${limit} bytes`));
        else {
          chunks.push(chunk);
          done();
        }
      },
    }),
  );
  return Buffer.concat(chunks);
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const c = new Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } catch (e) {
    throw new StepError('postgres.create-scratch', (e as Error).message);
  } finally {
    await c.end();
  }
  return withDatabase(serverUrl, name);
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const c = new Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

function reason(e: unknown): string {
  if (e instanceof StepError) return e.message;
  if (e instanceof NotFoundError) return `checksums: ${e.message}`;
  return `internal: ${e instanceof Error ? e.message : String(e)}`;
}
