import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BOOT_FILE, MessageStamper } from './message-stamper';

const clockAt = (ms: number) => ({ now: () => ms, monotonicMs: () => 0 });

describe('MessageStamper', () => {
  it('numbers the messages of a run from 1, stamped with the time', async () => {
    const stamper = await MessageStamper.start(mkdtempSync(path.join(tmpdir(), 'vigil-boot-')), clockAt(5000));
    expect(stamper.next()).toEqual({ signedAt: 5000, boot: 5000, seq: 1 });
    expect(stamper.next()).toEqual({ signedAt: 5000, boot: 5000, seq: 2 });
  });

  it('gives every run a greater boot than the last, even with the clock set back', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-boot-'));
    const first = await MessageStamper.start(dir, clockAt(9000));
    const second = await MessageStamper.start(dir, clockAt(1000));
    expect(second.boot).toBe(first.boot + 1);
    expect(readFileSync(path.join(dir, BOOT_FILE), 'utf8')).toBe('9001\n');
    const third = await MessageStamper.start(dir, clockAt(20_000));
    expect(third.boot).toBe(20_000);
    writeFileSync(path.join(dir, BOOT_FILE), 'garbage');
    expect((await MessageStamper.start(dir, clockAt(30_000))).boot).toBe(30_000);
  });
});
