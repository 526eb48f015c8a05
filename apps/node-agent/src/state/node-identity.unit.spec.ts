import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateNodeId } from './node-identity';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-agent-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadOrCreateNodeId', () => {
  it('creates the id once and finds the same one afterwards', async () => {
    const first = await loadOrCreateNodeId(dir, () => '5b0a4c1e-4f7d-4b0e-9a55-0d1c2e3f4a5b');
    const second = await loadOrCreateNodeId(dir, () => 'another');
    expect(first).toEqual({ nodeId: '5b0a4c1e-4f7d-4b0e-9a55-0d1c2e3f4a5b', created: true });
    expect(second).toEqual({ nodeId: first.nodeId, created: false });
    expect((await stat(path.join(dir, 'node-id'))).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that holds no valid id instead of minting a new identity', async () => {
    await writeFile(path.join(dir, 'node-id'), 'not a node id!\n');
    await expect(loadOrCreateNodeId(dir)).rejects.toThrow(/does not hold a valid node id/);
  });
});
