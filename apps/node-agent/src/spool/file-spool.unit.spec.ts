import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { OutboundMessage } from '../publish/publisher';
import { FileSpool } from './file-spool';
import { encodeFrame } from './record-frame';
import { type SpoolLimits, spoolLimits } from './segment-plan';
import { formatCursor } from './spool-cursor';

const logger = pino({ level: 'silent' });
const message = (seq: number, size = 100): OutboundMessage => ({
  kind: 'samples',
  subject: 'telemetry.samples.0.node-1',
  msgId: `node-1:${seq}`,
  data: Buffer.from(JSON.stringify({ seq }).padEnd(size, ' ')),
});
const seqOf = (m: OutboundMessage) => Number(m.msgId.split(':')[1]);

let dir: string;
beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'vigil-spool-')), 'spool');
});
afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true });
});

const open = (limits: SpoolLimits = spoolLimits(1024 * 1024)) => FileSpool.open(dir, limits, logger);

async function appendSeqs(spool: FileSpool, seqs: number[], size?: number): Promise<void> {
  for (const seq of seqs) await spool.append(message(seq, size));
}

/** Reads and acknowledges everything, as a replay that always succeeds would. */
async function drain(spool: FileSpool, chunkBytes = 1024): Promise<number[]> {
  const seqs: number[] = [];
  for (;;) {
    const records = await spool.read(chunkBytes);
    if (records.length === 0) return seqs;
    seqs.push(...records.map((r) => seqOf(r.message)));
    await spool.ack(records[records.length - 1].next);
  }
}

const segmentFiles = async () => (await readdir(dir)).filter((f) => f.endsWith('.seg')).sort();

describe('FileSpool', () => {
  it('gives back messages oldest first, unchanged, and resumes after the last acknowledged one when reopened', async () => {
    const spool = await open();
    await appendSeqs(spool, [1, 2, 3, 4, 5]);
    const [first, second] = await spool.read(1024);
    expect(first.message).toEqual(message(1));
    await spool.ack(second.next);
    await spool.close();

    const reopened = await open();
    expect(reopened.stats()).toMatchObject({ messages: 3, spooledTotal: 0, droppedTotal: 0 });
    expect(await drain(reopened)).toEqual([3, 4, 5]);
    await reopened.close();
  });

  it('replays across segments in order and deletes each once it is replayed, down to an empty spool', async () => {
    const spool = await open({ maxBytes: 100_000, segmentBytes: 1000 });
    const seqs = Array.from({ length: 30 }, (_, i) => i);
    await appendSeqs(spool, seqs);
    expect((await segmentFiles()).length).toBeGreaterThan(3);
    expect(await drain(spool, 500)).toEqual(seqs);
    expect(spool.stats()).toMatchObject({ bytes: 0, messages: 0, spooledTotal: 30 });
    expect(await segmentFiles()).toHaveLength(1);
    expect((await stat(path.join(dir, (await segmentFiles())[0]))).size).toBe(0);
    await spool.close();
  });

  it('reads a record larger than the chunk asked for on its own', async () => {
    const spool = await open();
    await spool.append(message(1, 5000));
    expect((await spool.read(100)).map((r) => seqOf(r.message))).toEqual([1]);
    await spool.close();
  });

  it('drops whole oldest segments when full, counting their messages, and stays within its limit', async () => {
    const limits = { maxBytes: 4096, segmentBytes: 1024 };
    const spool = await open(limits);
    const seqs = Array.from({ length: 60 }, (_, i) => i);
    await appendSeqs(spool, seqs);
    const stats = spool.stats();
    expect(stats.bytes).toBeLessThanOrEqual(limits.maxBytes);
    expect(stats.droppedTotal).toBeGreaterThan(0);
    expect(stats.droppedTotal + stats.messages).toBe(60);
    // What is left is the newest messages, without a gap.
    expect(await drain(spool)).toEqual(seqs.slice(stats.droppedTotal));
    await spool.close();
  });

  it('shrinks to a lowered limit at the next append', async () => {
    const spool = await open({ maxBytes: 100_000, segmentBytes: 1024 });
    await appendSeqs(
      spool,
      Array.from({ length: 60 }, (_, i) => i),
    );
    spool.setLimits({ maxBytes: 4096, segmentBytes: 1024 });
    await spool.append(message(60));
    expect(spool.stats().bytes).toBeLessThanOrEqual(4096);
    expect(spool.stats().droppedTotal + spool.stats().messages).toBe(61);
    await spool.close();
  });

  it('counts only unreplayed messages as dropped, and ignores an acknowledgement for a dropped segment', async () => {
    const spool = await open({ maxBytes: 4096, segmentBytes: 1024 });
    await appendSeqs(
      spool,
      Array.from({ length: 20 }, (_, i) => i),
    );
    const inFlight = await spool.read(1000);
    expect(inFlight.length).toBeGreaterThan(2);
    await spool.ack(inFlight[0].next);
    const before = spool.stats();
    await appendSeqs(
      spool,
      Array.from({ length: 20 }, (_, i) => 20 + i),
    );
    const after = spool.stats();
    expect(after.droppedTotal + after.messages).toBe(before.messages + 20);
    await spool.ack(inFlight[inFlight.length - 1].next);
    expect(spool.stats().messages).toBe(after.messages);
    await spool.close();
  });

  it('counts a discarded message as dropped', async () => {
    const spool = await open();
    await appendSeqs(spool, [1, 2]);
    const [first] = await spool.read(1024);
    await spool.discard(first);
    expect(spool.stats()).toMatchObject({ messages: 1, droppedTotal: 1 });
    expect(await drain(spool)).toEqual([2]);
    await spool.close();
  });

  it('truncates a record torn by a crash and goes on appending after the intact ones', async () => {
    const spool = await open();
    await appendSeqs(spool, [1, 2, 3]);
    await spool.close();
    const [segment] = await segmentFiles();
    const file = path.join(dir, segment);
    const intactBytes = (await stat(file)).size;
    await appendFile(file, encodeFrame(message(4)).subarray(0, 50));

    const reopened = await open();
    expect((await stat(file)).size).toBe(intactBytes);
    await reopened.append(message(5));
    expect(await drain(reopened)).toEqual([1, 2, 3, 5]);
    await reopened.close();
  });

  it('truncates at a record whose CRC does not match', async () => {
    const spool = await open();
    await appendSeqs(spool, [1, 2, 3]);
    await spool.close();
    const file = path.join(dir, (await segmentFiles())[0]);
    const content = await readFile(file);
    content[content.length - 10] ^= 0xff;
    await writeFile(file, content);

    const reopened = await open();
    expect(reopened.stats().messages).toBe(2);
    expect(await drain(reopened)).toEqual([1, 2]);
    await reopened.close();
  });

  it('deletes segments a crash left behind the saved cursor', async () => {
    const limits = { maxBytes: 100_000, segmentBytes: 500 };
    const spool = await open(limits);
    await appendSeqs(
      spool,
      Array.from({ length: 12 }, (_, i) => i),
    );
    await spool.close();
    const [oldest, next] = await segmentFiles();
    await writeFile(path.join(dir, 'cursor'), formatCursor({ segment: Number(next.slice(0, 16)), offset: 0 }));

    const resumed = await open(limits);
    expect(await segmentFiles()).not.toContain(oldest);
    expect((await drain(resumed))[0]).toBe(3);
    await resumed.close();
  });

  it('replays from the oldest segment when the cursor is unreadable', async () => {
    const spool = await open();
    await appendSeqs(spool, [1, 2, 3]);
    const [first] = await spool.read(1024);
    await spool.ack(first.next);
    await spool.close();
    await writeFile(path.join(dir, 'cursor'), 'garbage');

    const reopened = await open();
    expect(await drain(reopened)).toEqual([1, 2, 3]);
    await reopened.close();
  });
});
