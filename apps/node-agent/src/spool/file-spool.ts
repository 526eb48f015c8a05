import { type FileHandle, mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { OutboundMessage } from '../publish/publisher';
import type { SpoolMetrics } from './spool-metrics';
import { encodeFrame, scanFrames } from './record-frame';
import { type SpoolLimits, planAppend, segmentFileName } from './segment-plan';
import { type SpoolPosition, writeCursor } from './spool-cursor';
import { type HeadCursor, recoverSpool, type SegmentInfo } from './spool-recovery';

/** The spool's directory under the state directory, unless configured elsewhere. */
export const SPOOL_SUBDIR = 'spool';

/** A position just past a record, as handed out by `read`. */
export interface ReplayMark extends SpoolPosition {
  /** Records before `offset` in the segment. */
  index: number;
}

export interface SpooledRecord {
  message: OutboundMessage;
  /** Acknowledge this once the message is stored in NATS. */
  next: ReplayMark;
}

/**
 * A bounded on-disk FIFO of messages that could not be published: numbered segment files
 * of framed records, and a cursor file with the position up to which they were replayed.
 * An append resolves once the record is fsynced. Acknowledging replay saves the cursor
 * (fsynced) before segments behind it are deleted. When full, the oldest segment is
 * dropped and its unreplayed records counted. Operations run one at a time.
 */
export class FileSpool {
  private spooled = 0;
  private dropped = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private appendHandle?: FileHandle;

  private constructor(
    private readonly dir: string,
    private limits: SpoolLimits,
    private readonly logger: Logger,
    /** Oldest first, never empty; the cursor is in the first one, appends go to the last. */
    private readonly segments: SegmentInfo[],
    private cursor: HeadCursor,
  ) {}

  static async open(dir: string, limits: SpoolLimits, logger: Logger): Promise<FileSpool> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { segments, cursor } = await recoverSpool(dir, logger);
    const spool = new FileSpool(dir, limits, logger, segments, cursor);
    if (segments.length === 0) await spool.startSegment();
    else spool.appendHandle = await open(spool.segmentFile(segments[segments.length - 1].id), 'a');
    await spool.settle();
    if (spool.depth > 0)
      logger.info(
        { spool_dir: dir, depth: spool.depth, bytes: spool.bytes },
        'spool holds messages from an earlier run',
      );
    return spool;
  }

  get depth(): number {
    return this.segments.reduce((sum, s) => sum + s.records, 0) - this.cursor.index;
  }

  private get bytes(): number {
    return this.segments.reduce((sum, s) => sum + s.bytes, 0);
  }

  stats(): Pick<SpoolMetrics, 'bytes' | 'messages' | 'spooledTotal' | 'droppedTotal'> {
    return { bytes: this.bytes, messages: this.depth, spooledTotal: this.spooled, droppedTotal: this.dropped };
  }

  /** A lower limit takes effect at the next append, which drops the oldest segments to fit. */
  setLimits(limits: SpoolLimits): void {
    this.limits = limits;
  }

  /** Appends at the tail, dropping the oldest segments when the spool would outgrow its limit. */
  append(message: OutboundMessage): Promise<void> {
    return this.exclusive(async () => {
      const frame = encodeFrame(message);
      const plan = planAppend(
        this.segments.map((s) => s.bytes),
        frame.length,
        this.limits,
      );
      if (!plan) throw new Error(`a ${frame.length}-byte message does not fit a ${this.limits.maxBytes}-byte spool`);
      if (plan.rotate) await this.startSegment();
      for (let i = 0; i < plan.dropOldest; i++) await this.dropOldest();
      await this.write(frame);
      this.spooled++;
    });
  }

  /**
   * The oldest unacknowledged records, up to about `maxBytes` (at least one record, and
   * never past the end of a segment); empty when there are none.
   */
  read(maxBytes: number): Promise<SpooledRecord[]> {
    return this.exclusive(async () => {
      for (;;) {
        const head = this.segments[0];
        const available = head.bytes - this.cursor.offset;
        if (available === 0) return [];
        const records = await this.readHead(Math.min(available, maxBytes));
        if (records.length > 0) return records;
        await this.skipUnreadableHead();
      }
    });
  }

  /** Records up to `next` reached NATS. */
  ack(next: ReplayMark): Promise<void> {
    return this.exclusive(async () => {
      await this.advance(next);
    });
  }

  /** Acknowledges a record that NATS will never take, counting it as dropped. */
  discard(record: SpooledRecord): Promise<void> {
    return this.exclusive(async () => {
      this.dropped += await this.advance(record.next);
    });
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      await this.appendHandle?.close();
      this.appendHandle = undefined;
    });
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Moves the cursor to `next` and saves it; returns how many records it passed. A mark
   * the cursor is already past (its segment was dropped meanwhile) changes nothing.
   */
  private async advance(next: ReplayMark): Promise<number> {
    const head = this.segments[0];
    if (next.segment !== head.id || next.offset <= this.cursor.offset) return 0;
    const passed = next.index - this.cursor.index;
    this.cursor = { offset: next.offset, index: next.index };
    await writeCursor(this.dir, next);
    await this.settle();
    return passed;
  }

  private segmentFile(id: number): string {
    return path.join(this.dir, segmentFileName(id));
  }

  private async write(frame: Buffer): Promise<void> {
    const tail = this.segments[this.segments.length - 1];
    const handle = this.appendHandle;
    if (!handle) throw new Error('the spool is closed');
    try {
      await handle.appendFile(frame);
      await handle.datasync();
    } catch (e) {
      // Leave no partial record for the next append to follow.
      await handle.truncate(tail.bytes).catch(() => undefined);
      throw e;
    }
    tail.bytes += frame.length;
    tail.records++;
  }

  private async startSegment(): Promise<void> {
    const id = (this.segments.at(-1)?.id ?? 0) + 1;
    const handle = await open(this.segmentFile(id), 'a', 0o600);
    await fsyncDir(this.dir);
    await this.appendHandle?.close();
    this.appendHandle = handle;
    this.segments.push({ id, bytes: 0, records: 0 });
  }

  /**
   * Frees the oldest segment for newer records. Records of a chunk being replayed from it
   * at that moment still reach NATS, and are counted as dropped too.
   */
  private async dropOldest(): Promise<void> {
    const lost = this.segments[0].records - this.cursor.index;
    await this.removeHead();
    this.dropped += lost;
    this.logger.warn(
      { spool_dir: this.dir, dropped: lost, max_bytes: this.limits.maxBytes },
      'spool full; dropped its oldest messages',
    );
  }

  /**
   * Moves the cursor past fully replayed segments, deleting them; when everything is
   * replayed, appends move to a fresh segment, so a drained spool takes no space.
   */
  private async settle(): Promise<void> {
    for (;;) {
      const head = this.segments[0];
      if (this.cursor.index < head.records) return;
      if (this.segments.length === 1) {
        if (head.bytes === 0) return;
        await this.startSegment();
      }
      await this.removeHead();
    }
  }

  /** Saves the cursor at the start of the next segment, then deletes the first one. */
  private async removeHead(): Promise<void> {
    const [head, next] = this.segments;
    await writeCursor(this.dir, { segment: next.id, offset: 0 });
    this.segments.shift();
    this.cursor = { offset: 0, index: 0 };
    await rm(this.segmentFile(head.id), { force: true });
  }

  private async readHead(length: number): Promise<SpooledRecord[]> {
    const head = this.segments[0];
    const { offset, index } = this.cursor;
    let scan = scanFrames(await this.readRange(head.id, offset, length));
    if (
      scan.records.length === 0 &&
      scan.stop === 'incomplete' &&
      scan.needBytes !== undefined &&
      scan.needBytes <= head.bytes - offset
    ) {
      scan = scanFrames(await this.readRange(head.id, offset, scan.needBytes));
    }
    return scan.records.map((record, i) => ({
      message: record.message,
      next: { segment: head.id, offset: offset + record.end, index: index + i + 1 },
    }));
  }

  /** The disk returned something else than was written and verified: the rest of the segment is lost. */
  private async skipUnreadableHead(): Promise<void> {
    const head = this.segments[0];
    const lost = head.records - this.cursor.index;
    this.logger.error(
      { spool_dir: this.dir, segment: head.id, offset: this.cursor.offset, dropped: lost },
      'spool segment unreadable; skipping the rest of it',
    );
    this.dropped += lost;
    this.cursor = { offset: head.bytes, index: head.records };
    await writeCursor(this.dir, { segment: head.id, offset: head.bytes });
    await this.settle();
  }

  private async readRange(segment: number, offset: number, length: number): Promise<Buffer> {
    const handle = await open(this.segmentFile(segment), 'r');
    try {
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
}

/** Makes a new segment's directory entry survive a power loss. */
async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
