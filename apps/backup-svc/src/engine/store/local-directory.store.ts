import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArtifactName, BackupId, IllegalStateError, NotFoundError, ValidationError } from '@vigil/contracts';
import { Sha256Meter } from '../checksum';
import type { ArtifactStore, StagedBackup, WrittenArtifact } from './artifact-store';

const STAGING = '.partial-';

/**
 * Backups as directories under `root`: each is written in `.partial-<id>/`, every file flushed to
 * disk, then the directory renamed to `<id>/` (atomic on one file system) and the parent flushed.
 */
export class LocalDirectoryStore implements ArtifactStore {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `directory ${root}`;
  }

  async stage(backupId: string): Promise<StagedBackup> {
    const id = checked(BackupId, backupId, 'backup id');
    await mkdir(this.root, { recursive: true });
    if (await exists(join(this.root, id))) throw new IllegalStateError(`backup ${id} already exists`);
    const dir = join(this.root, STAGING + id);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    const written: string[] = [];
    return {
      write: async (name: string, source: Readable): Promise<WrittenArtifact> => {
        const file = checked(ArtifactName, name, 'artifact name');
        if (written.includes(file)) throw new IllegalStateError(`${file} was already written`);
        const meter = new Sha256Meter();
        await pipeline(source, meter, createWriteStream(join(dir, file), { flags: 'wx' }));
        written.push(file);
        return { name: file, bytes: meter.bytes, sha256: meter.digest() };
      },
      publish: async () => {
        for (const file of written) await fsync(join(dir, file));
        await fsync(dir);
        await rename(dir, join(this.root, id));
        await fsync(this.root);
      },
      abort: () => rm(dir, { recursive: true, force: true }),
    };
  }

  async list(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.root, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith(STAGING) && BackupId.safeParse(e.name).success)
      .map((e) => e.name)
      .sort();
  }

  async read(backupId: string, name: string): Promise<Readable> {
    const path = join(
      this.root,
      checked(BackupId, backupId, 'backup id'),
      checked(ArtifactName, name, 'artifact name'),
    );
    if (!(await exists(path))) throw new NotFoundError(`${name} of backup ${backupId} is missing from ${this.root}`);
    return createReadStream(path);
  }

  async remove(backupId: string): Promise<void> {
    await rm(join(this.root, checked(BackupId, backupId, 'backup id')), { recursive: true, force: true });
  }

  async sweep(inProgress: (backupId: string) => boolean = () => false, minAgeMs = 0): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
    let swept = 0;
    for (const n of names.filter((name) => name.startsWith(STAGING) && !inProgress(name.slice(STAGING.length)))) {
      const path = join(this.root, n);
      if (minAgeMs > 0 && Date.now() - (await stat(path)).mtimeMs < minAgeMs) continue;
      await rm(path, { recursive: true, force: true });
      swept++;
    }
    return swept;
  }
}

function checked(schema: typeof BackupId | typeof ArtifactName, value: string, what: string): string {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError(`${what} "${value.slice(0, 200)}": ${r.error.issues[0]?.message}`);
  return r.data;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
