import type { KvEntry, Kvm } from '@nats-io/kv';
import { eventually } from '@vigil/test-support';
import pino from 'pino';
import { ConfigManager } from './config-manager';
import { KvConfigSource } from './kv-config-source';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  return { logger: pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) }), lines };
}

const entry = (key: string, value: object, revision: number): KvEntry =>
  ({ key, revision, operation: 'PUT', string: () => JSON.stringify(value) }) as unknown as KvEntry;

/** A watch that delivers nothing and ends when stopped, like a quiet real one. */
function quietWatch() {
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  return {
    stop,
    async *[Symbol.asyncIterator]() {
      await stopped;
    },
  };
}

/** A bucket that fails to open `failures` times, then serves `fleet`. */
function flakyKvm(failures: number) {
  const attempts: number[] = [];
  const kvm = {
    create: async () => {
      attempts.push(Date.now());
      if (attempts.length <= failures) throw new Error('JetStream not available');
      return {
        get: async (key: string) => (key === 'fleet' ? entry('fleet', { labels: { env: 'prod' } }, 4) : null),
        watch: async () => quietWatch(),
      };
    },
  };
  return { kvm: kvm as unknown as Kvm, attempts };
}

describe('KvConfigSource', () => {
  it('lets the agent start on its local config when the bucket is unreachable, and applies it once reachable', async () => {
    const { logger, lines } = capturingLogger();
    const config = ConfigManager.create([], logger);
    const { kvm, attempts } = flakyKvm(3);
    const source = new KvConfigSource(kvm, config, logger, {
      bucket: 'agent-config',
      initialLoadTimeoutMs: 30,
      retryDelayMs: 20,
    });

    await source.start('n1');
    expect(config.applied().version).toBe('defaults');
    expect(lines.map((l) => l.msg)).toContain(
      'remote config not loaded in time; starting without it, it applies when it arrives',
    );

    await eventually(() => config.applied().version === 'fleet:4', { what: 'the fleet document', timeoutMs: 5_000 });
    expect(attempts).toHaveLength(4);
    expect(config.applied()).toEqual({ version: 'fleet:4', status: 'applied' });
    expect(config.current().labels).toEqual({ env: 'prod' });
    // The wait doubles while the failure lasts: 20, 40, 80 ms.
    const waits = attempts.slice(1).map((t, i) => t - attempts[i]);
    expect(waits[2]).toBeGreaterThanOrEqual(75);
    // Logged when the failure starts and when it ends, not on every attempt.
    expect(lines.filter((l) => l.msg === 'remote config unavailable; retrying')).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'remote config reachable again')).toHaveLength(1);

    await source.stop();
  });

  it('stops promptly while waiting to retry', async () => {
    const config = ConfigManager.create([], pino({ level: 'silent' }));
    const { kvm } = flakyKvm(Infinity);
    const source = new KvConfigSource(kvm, config, pino({ level: 'silent' }), {
      bucket: 'agent-config',
      initialLoadTimeoutMs: 10,
      retryDelayMs: 60_000,
    });
    await source.start('n1');
    const started = Date.now();
    await source.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
