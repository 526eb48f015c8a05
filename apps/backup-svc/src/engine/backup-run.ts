import { Readable } from 'node:stream';
import { BackupManifest, IsoTimestamp } from '@vigil/contracts';
import { sha256Hex } from './checksum';
import { exportStream } from './events/stream-archive';
import type { DatabaseDriver } from './postgres/database-driver';
import type { ArtifactStore, WrittenArtifact } from './store/artifact-store';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';

export const MANIFEST = 'manifest.json';
export const MANIFEST_SHA256 = 'manifest.sha256';
export const POSTGRES_ARCHIVE = 'postgres.dump';
export const EVENTS_ARCHIVE = 'events.ndjson.gz';

export interface BackupSpec {
  backupId: string;
  jobId: string;
  /** The database to dump, and which schemas (all when empty). */
  postgres?: { url: string; schemas: string[] };
  /** The event stream to export. */
  events?: { js: JetStreamClient; jsm: JetStreamManager; stream: string; unprefixed: (subject: string) => string };
}

export interface BackupDeps {
  store: ArtifactStore;
  driver: DatabaseDriver;
  clock: () => Date;
}

/**
 * One backup: the database archive and the exported stream written to a staging area, then the
 * manifest (sizes, SHA-256 of every artifact, row counts, WAL position, sequence range, tool
 * versions) and its own SHA-256, then published at once. Any failure discards the staging area:
 * a backup either exists whole or not at all.
 */
export async function runBackup(
  spec: BackupSpec,
  deps: BackupDeps,
): Promise<{ manifest: BackupManifest; manifestSha256: string }> {
  if (!spec.postgres && !spec.events) throw new Error('a backup needs a database, an event stream or both');
  const startedAt = deps.clock();
  const staged = await deps.store.stage(spec.backupId);
  try {
    const artifacts: (WrittenArtifact & { kind: 'postgres' | 'events' })[] = [];
    const tools: Record<string, string> = { node: process.version };
    let postgres: BackupManifest['postgres'];
    let events: BackupManifest['events'];
    if (spec.postgres) {
      Object.assign(tools, await deps.driver.versions());
      const dumped = await deps.driver.dump({
        ...spec.postgres,
        write: (archive) => staged.write(POSTGRES_ARCHIVE, archive),
      });
      artifacts.push({ ...dumped.artifact, kind: 'postgres' });
      postgres = dumped.info;
    }
    if (spec.events) {
      const exported = await exportStream({ ...spec.events, write: (a) => staged.write(EVENTS_ARCHIVE, a) });
      artifacts.push({ ...exported.artifact, kind: 'events' });
      events = exported.range;
    }
    const manifest = BackupManifest.parse({
      format: 'vigil-backup/1',
      id: spec.backupId,
      jobId: spec.jobId,
      startedAt: IsoTimestamp.parse(startedAt.toISOString()),
      finishedAt: deps.clock().toISOString(),
      tools,
      postgres,
      events,
      artifacts,
    });
    const body = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await staged.write(MANIFEST, Readable.from([body]));
    const manifestSha256 = sha256Hex(body);
    await staged.write(MANIFEST_SHA256, Readable.from([`${manifestSha256}  ${MANIFEST}\n`]));
    await staged.publish();
    return { manifest, manifestSha256 };
  } catch (e) {
    await staged.abort().catch(() => undefined);
    throw e;
  }
}
