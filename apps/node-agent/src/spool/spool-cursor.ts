import path from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../state/atomic-file';

export const CURSOR_FILE = 'cursor';

/** Where replay resumes: a record boundary in a segment. Everything before it reached NATS. */
export interface SpoolPosition {
  segment: number;
  offset: number;
}

export function formatCursor(position: SpoolPosition): string {
  return `${position.segment} ${position.offset}\n`;
}

/** The position in a cursor file's text; undefined when it holds none. */
export function parseCursor(text: string): SpoolPosition | undefined {
  const match = /^(\d{1,16}) (\d{1,16})$/.exec(text.trim());
  return match ? { segment: Number(match[1]), offset: Number(match[2]) } : undefined;
}

export async function readCursor(dir: string): Promise<{ position?: SpoolPosition; invalid?: string }> {
  const text = await readFileIfExists(path.join(dir, CURSOR_FILE));
  if (text === undefined) return {};
  const position = parseCursor(text);
  return position ? { position } : { invalid: text.slice(0, 40) };
}

/** Replaced atomically and fsynced: after a crash the cursor is the old one or the new one. */
export async function writeCursor(dir: string, position: SpoolPosition): Promise<void> {
  await writeFileAtomic(path.join(dir, CURSOR_FILE), formatCursor(position));
}
