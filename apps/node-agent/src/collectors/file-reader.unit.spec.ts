import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createProcReader, createSysReader, fixtureFileReader } from './file-reader';

describe.each([
  ['createProcReader', createProcReader],
  ['createSysReader', createSysReader],
])('%s', (_, create) => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'vigil-reader-'));
    await mkdir(path.join(root, 'class/hwmon/hwmon0'), { recursive: true });
    await writeFile(path.join(root, 'class/hwmon/hwmon0/name'), 'coretemp\n');
    await symlink('../../../coretemp.0', path.join(root, 'class/hwmon/hwmon0/device'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads files, directories and links relative to its root', async () => {
    const reader = create(root);
    expect(await reader.read('class/hwmon/hwmon0/name')).toBe('coretemp\n');
    expect((await reader.list('class/hwmon/hwmon0'))?.sort()).toEqual(['device', 'name']);
    expect(await reader.readLink('class/hwmon/hwmon0/device')).toBe('../../../coretemp.0');
  });

  it('answers undefined for what does not exist, and throws other errors', async () => {
    const reader = create(root);
    expect(await reader.read('class/hwmon/hwmon9/name')).toBeUndefined();
    expect(await reader.read('class/hwmon/hwmon0/name/x')).toBeUndefined();
    expect(await reader.list('class/thermal')).toBeUndefined();
    expect(await reader.readLink('class/hwmon/hwmon0/subsystem')).toBeUndefined();
    await expect(reader.read('class/hwmon')).rejects.toMatchObject({ code: 'EISDIR' });
  });
});

describe('fixtureFileReader', () => {
  it('lists the directories its paths imply, the root included', async () => {
    const reader = fixtureFileReader({ stat: 'cpu 1', '12/stat': '12 (a) S', 'net/dev': '' }, { self: '12' });
    expect(await reader.list('')).toEqual(['stat', '12', 'net', 'self']);
    expect(await reader.list('12')).toEqual(['stat']);
    expect(await reader.list('13')).toBeUndefined();
    expect(await reader.readLink('self')).toBe('12');
  });
});
