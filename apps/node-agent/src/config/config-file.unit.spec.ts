import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '@vigil/test-support';
import pino from 'pino';
import { readFileLayer, reloadOnSighup } from './config-file';
import { ConfigManager } from './config-manager';

const logger = pino({ level: 'silent' });
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-agent-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readFileLayer', () => {
  it('reads the file as the file layer', async () => {
    const file = path.join(dir, 'agent.yaml');
    await writeFile(file, 'version: "5"\nlabels: { env: prod }\n');
    expect(await readFileLayer({ path: file, explicit: true })).toEqual({
      name: 'file',
      version: '5',
      document: { version: '5', labels: { env: 'prod' } },
    });
  });

  it('is undefined when there is no file at the default path', async () => {
    expect(await readFileLayer({ path: path.join(dir, 'absent.yaml'), explicit: false })).toBeUndefined();
  });

  it('is an error when the file named by VIGIL_AGENT_CONFIG is missing', async () => {
    const file = path.join(dir, 'absent.yaml');
    const layer = await readFileLayer({ path: file, explicit: true });
    expect(layer).toEqual({ name: 'file', error: expect.stringContaining(`cannot read ${file}: ENOENT`) });
  });
});

describe('reloadOnSighup', () => {
  it('applies the file again on SIGHUP, rejects a broken one and keeps the last good config', async () => {
    const file = path.join(dir, 'agent.yaml');
    const location = { path: file, explicit: true };
    await writeFile(file, 'labels: { env: one }\n');
    const config = ConfigManager.create([(await readFileLayer(location))!], logger);
    const changed = new Promise((resolve) => config.onChange(resolve));
    const stop = reloadOnSighup(location, config, logger);
    try {
      await writeFile(file, 'labels: { env: two }\n');
      process.emit('SIGHUP', 'SIGHUP');
      await changed;
      expect(config.current().labels).toEqual({ env: 'two' });

      await writeFile(file, 'labels: [\n');
      process.emit('SIGHUP', 'SIGHUP');
      await eventually(() => config.applied().status === 'rejected', { what: 'the rejection', timeoutMs: 5_000 });
      expect(config.current().labels).toEqual({ env: 'two' });
      expect(config.applied()).toMatchObject({ status: 'rejected', error: expect.stringContaining('not valid YAML') });
    } finally {
      stop();
    }
    expect(process.listenerCount('SIGHUP')).toBe(0);
  });
});
