import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BatchSequence, SEQ_PERSIST_EVERY, SEQ_RESTART_GAP } from './batch-sequence';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-agent-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('BatchSequence', () => {
  it('starts a new node at 0 and resumes past every number used before, even after a crash', async () => {
    const fresh = await BatchSequence.open(dir);
    const used: number[] = [];
    for (let i = 0; i < 250; i++) {
      used.push(fresh.take());
      if (fresh.persistDue()) await fresh.persist();
    }
    expect(used[0]).toBe(0);
    // No stop(): the process "crashed" with up to SEQ_PERSIST_EVERY numbers not persisted.
    const stored = Number(await readFile(path.join(dir, 'seq'), 'utf8'));
    expect(Math.max(...used) - stored).toBeLessThan(SEQ_PERSIST_EVERY);

    const resumed = await BatchSequence.open(dir);
    const next = resumed.take();
    expect(next).toBe(stored + SEQ_RESTART_GAP);
    expect(next).toBeGreaterThan(Math.max(...used));
  });

  it('persists at open, so a crash before the first periodic write still resumes past 0', async () => {
    (await BatchSequence.open(dir)).take();
    expect((await BatchSequence.open(dir)).take()).toBe(SEQ_RESTART_GAP);
  });

  it('refuses a file that holds no sequence number', async () => {
    await writeFile(path.join(dir, 'seq'), '');
    await expect(BatchSequence.open(dir)).rejects.toThrow(/does not hold a sequence number/);
  });
});
