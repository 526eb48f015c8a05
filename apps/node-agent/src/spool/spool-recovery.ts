import { open, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { scanFrames } from './record-frame';
import { readCursor } from './spool-cursor';
import { segmentFileName, segmentIdOf } from './segment-plan';

export interface SegmentInfo {
  id: number;
  /** Bytes of intact records: the file's size. */
  bytes: number;
  records: number;
}

/** The replay cursor inside the oldest segment. */
export interface HeadCursor {
  offset: number;
  /** Records before `offset`. */
  index: number;
}

export interface RecoveredSpool {
  /** Oldest first; the cursor is in the first one. */
  segments: SegmentInfo[];
  cursor: HeadCursor;
}

/**
 * Reads what earlier runs left in `dir`. Segments before the persisted cursor were
 * replayed (a crash came between saving the cursor and deleting them) and are deleted.
 * Every other segment is checked record by record and truncated at its first torn or
 * corrupt record: a crash in the middle of an append leaves one at the end of the newest
 * segment; one anywhere else means the disk lost data, and the rest of that segment,
 * unreadable, is lost too (logged). A missing or unreadable cursor replays from the
 * oldest segment: NATS de-duplicates what had already arrived.
 */
export async function recoverSpool(dir: string, logger: Logger): Promise<RecoveredSpool> {
  const ids = (await readdir(dir))
    .map(segmentIdOf)
    .filter((id): id is number => id !== undefined)
    .sort((a, b) => a - b);
  const { position, invalid } = await readCursor(dir);
  if (invalid !== undefined)
    logger.warn({ spool_dir: dir, cursor: invalid }, 'spool cursor unreadable; replaying from the oldest segment');

  const segments: SegmentInfo[] = [];
  let cursor: HeadCursor = { offset: 0, index: 0 };
  for (const id of ids) {
    const file = path.join(dir, segmentFileName(id));
    if (position && id < position.segment) {
      await rm(file, { force: true });
      continue;
    }
    const content = await readFile(file);
    const scan = scanFrames(content);
    if (scan.validBytes < content.length) {
      await truncateDurably(file, scan.validBytes);
      logger.warn(
        {
          spool_dir: dir,
          segment: id,
          offset: scan.validBytes,
          discarded_bytes: content.length - scan.validBytes,
          stop: scan.stop,
        },
        'spool segment ends in a torn or corrupt record; truncated there',
      );
    }
    segments.push({ id, bytes: scan.validBytes, records: scan.records.length });
    if (position && id === position.segment) {
      const index = scan.records.filter((r) => r.end <= position.offset).length;
      cursor = { offset: index === 0 ? 0 : scan.records[index - 1].end, index };
    }
  }
  return { segments, cursor };
}

async function truncateDurably(file: string, length: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
