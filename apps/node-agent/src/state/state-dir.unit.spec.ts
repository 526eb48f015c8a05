import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { resolveStateDir, StateDirError } from './state-dir';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-agent-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveStateDir', () => {
  const logger = pino({ level: 'silent' });

  it('creates and returns the first usable candidate', async () => {
    const wanted = path.join(dir, 'a', 'b');
    expect(await resolveStateDir([wanted, path.join(dir, 'c')], logger)).toBe(wanted);
    expect((await stat(wanted)).isDirectory()).toBe(true);
  });

  it('falls back past a candidate it cannot create, and says what to do when none works', async () => {
    const blocker = path.join(dir, 'file');
    await writeFile(blocker, '');
    const fallback = path.join(dir, 'fallback');
    expect(await resolveStateDir([path.join(blocker, 'sub'), fallback], logger)).toBe(fallback);
    await expect(resolveStateDir([path.join(blocker, 'sub')], logger)).rejects.toThrow(StateDirError);
    await expect(resolveStateDir([path.join(blocker, 'sub')], logger)).rejects.toThrow(/set VIGIL_AGENT_STATE_DIR/);
  });
});
