import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sha256Hex } from '../checksum';
import { LocalDirectoryStore } from './local-directory.store';

describe('LocalDirectoryStore', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-store-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('shows a backup only once published, with the size and SHA-256 of what was written', async () => {
    const store = new LocalDirectoryStore(root);
    const staged = await store.stage('b-1');
    const written = await staged.write('a.bin', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    expect(written).toEqual({ name: 'a.bin', bytes: 11, sha256: sha256Hex('hello world') });
    expect(await store.list()).toEqual([]);
    await staged.publish();
    expect(await store.list()).toEqual(['b-1']);
    const chunks: Buffer[] = [];
    for await (const c of await store.read('b-1', 'a.bin')) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello world');
    expect(await readFile(join(root, 'b-1', 'a.bin'), 'utf8')).toBe('hello world');
  });

  it('leaves nothing that looks like a backup when a run stops before publishing, and sweeps it', async () => {
    const store = new LocalDirectoryStore(root);
    const staged = await store.stage('b-2');
    await staged.write('a.bin', Readable.from(['partial']));
    // The process "dies" here: no publish, no abort.
    expect(await store.list()).toEqual([]);
    expect(await store.sweep((id) => id === 'b-2')).toBe(0);
    expect(await store.sweep()).toBe(1);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses a second backup of the same id, a path as a file name, and a missing file clearly', async () => {
    const store = new LocalDirectoryStore(root);
    const staged = await store.stage('b-3');
    await staged.write('a.bin', Readable.from(['x']));
    await staged.publish();
    await expect(store.stage('b-3')).rejects.toThrow(/already exists/);
    await expect(store.stage('../escape')).rejects.toThrow(/backup id/);
    const other = await store.stage('b-4');
    await expect(other.write('../x', Readable.from(['x']))).rejects.toThrow(/plain file name/);
    await expect(store.read('b-3', 'nope.bin')).rejects.toThrow(/nope.bin of backup b-3 is missing/);
    await other.abort();
    await store.remove('b-3');
    expect(await store.list()).toEqual([]);
  });
});
