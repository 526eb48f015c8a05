import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Reads files under /proc. */
export interface ProcReader {
  /** The file's text, or `undefined` when it does not exist (not Linux, or a kernel without it). */
  read(relativePath: string): Promise<string | undefined>;
}

export function createProcReader(root = '/proc'): ProcReader {
  return {
    async read(relativePath) {
      try {
        return await readFile(path.join(root, relativePath), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
  };
}

/** A ProcReader over fixed strings, for tests. */
export function fixtureProcReader(files: Record<string, string>): ProcReader {
  return { read: async (relativePath) => files[relativePath] };
}
