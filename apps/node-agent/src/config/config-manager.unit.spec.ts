import { AgentConfig } from '@vigil/contracts';
import pino from 'pino';
import { ConfigError } from './boot-config';
import type { ConfigLayer } from './config-layer';
import { ConfigManager } from './config-manager';

const defaults = AgentConfig.parse({});

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const file: ConfigLayer = { name: 'file', version: '3', document: { labels: { env: 'dev' } } };
const fleet: ConfigLayer = {
  name: 'fleet',
  version: '7',
  document: { heartbeatIntervalMs: 2000, labels: { env: 'prod' } },
};
const badNode: ConfigLayer = { name: 'node', version: '9', document: { sampleIntervalMs: -5 } };

describe('ConfigManager', () => {
  it('starts on the layers it is given', () => {
    const config = ConfigManager.create(
      [file, { name: 'env', document: { sampleIntervalMs: 500 } }],
      pino({ level: 'silent' }),
    );
    expect(config.current()).toEqual({ ...defaults, sampleIntervalMs: 500, labels: { env: 'dev' } });
    expect(config.applied()).toEqual({ version: 'file:3', status: 'applied' });
  });

  it('refuses to start on an invalid config, since there is no good one to keep', () => {
    expect(() => ConfigManager.create([file, badNode], pino({ level: 'silent' }))).toThrow(ConfigError);
    expect(() => ConfigManager.create([file, badNode], pino({ level: 'silent' }))).toThrow(
      /^invalid config: sampleIntervalMs: Too small/,
    );
  });

  it('applies a change and tells the listeners', () => {
    const config = ConfigManager.create([file], pino({ level: 'silent' }));
    const seen: AgentConfig[] = [];
    config.onChange((c) => seen.push(c));
    config.set(fleet);
    expect(seen).toEqual([{ ...defaults, heartbeatIntervalMs: 2000, labels: { env: 'prod' } }]);
    expect(config.applied()).toEqual({ version: 'file:3+fleet:7', status: 'applied' });
  });

  it('rejects an invalid change, logs why, keeps the last good config, and recovers when the document goes', () => {
    const { logger, lines } = capturingLogger();
    const config = ConfigManager.create([file, fleet], logger);
    const good = config.current();
    const listener = jest.fn();
    config.onChange(listener);

    config.set(badNode);
    expect(config.current()).toBe(good);
    expect(config.applied()).toEqual({
      version: 'file:3+fleet:7',
      status: 'rejected',
      error: expect.stringMatching(/^file:3\+fleet:7\+node:9 rejected: sampleIntervalMs: Too small/),
    });
    expect(lines.at(-1)).toMatchObject({
      level: 40,
      msg: 'config rejected; keeping the last good one',
      config_version: 'file:3+fleet:7',
    });
    expect(lines.at(-1)?.reason).toMatch(/sampleIntervalMs/);

    config.remove('node');
    expect(config.applied()).toEqual({ version: 'file:3+fleet:7', status: 'applied' });
    // Back on the same config: nothing for the listeners to do.
    expect(listener).not.toHaveBeenCalled();
  });

  it('falls back to the remaining layers when a document is deleted', () => {
    const config = ConfigManager.create([file, fleet], pino({ level: 'silent' }));
    config.remove('fleet');
    expect(config.current().labels).toEqual({ env: 'dev' });
    expect(config.applied().version).toBe('file:3');
  });

  it('calls listeners only for a different config, isolates a failing one, and lets them unsubscribe', () => {
    const { logger, lines } = capturingLogger();
    const config = ConfigManager.create([file], logger);
    const failing = jest.fn(() => {
      throw new Error('boom');
    });
    const other = jest.fn();
    config.onChange(failing);
    const unsubscribe = config.onChange(other);

    config.set({ ...file, version: '4' });
    expect(other).not.toHaveBeenCalled();
    expect(config.applied().version).toBe('file:4');

    config.set(fleet);
    expect(other).toHaveBeenCalledTimes(1);
    expect(lines.some((l) => l.msg === 'a config listener failed')).toBe(true);

    unsubscribe();
    config.remove('fleet');
    expect(other).toHaveBeenCalledTimes(1);
  });

  it('cuts a very long rejection reason to what a heartbeat can carry', () => {
    const config = ConfigManager.create([], pino({ level: 'silent' }));
    const labels = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`bad-label-${i}`, 'x']));
    config.set({ name: 'node', version: '1', document: { labels } });
    const { error } = config.applied();
    expect(error).toHaveLength(2048);
    expect(error?.endsWith('…')).toBe(true);
  });

  it('rejects a KV document that adds a process, keeps the processes of the file, and tells no listener', () => {
    const local: ConfigLayer = {
      name: 'file',
      version: '3',
      document: { supervise: [{ name: 'exporter', command: '/usr/bin/node_exporter' }] },
    };
    const config = ConfigManager.create([local], pino({ level: 'silent' }));
    const seen: unknown[] = [];
    config.onChange((c) => seen.push(c));
    config.set({
      name: 'node',
      version: 'evil',
      document: { labels: { a: 'b' }, supervise: [{ name: 'x', command: 'sh', args: ['-c', 'touch /tmp/pwned'] }] },
    });
    expect(config.applied()).toEqual({
      version: 'file:3',
      status: 'rejected',
      error: 'file:3+node:evil rejected: node document may not set "supervise" (only the local file may)',
    });
    expect(config.current().supervise.map((p) => p.name)).toEqual(['exporter']);
    expect(config.current().labels).toEqual({});
    expect(seen).toEqual([]);
  });
});
