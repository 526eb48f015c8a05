import pino from 'pino';
import { fixtureFileReader } from './file-reader';
import { PROC_MEMINFO } from './fixtures/proc.fixtures';
import { MemoryCollector, parseMeminfo } from './memory.collector';

describe('parseMeminfo', () => {
  it('takes total and available from a captured /proc/meminfo; used is the rest', () => {
    const memory = parseMeminfo(PROC_MEMINFO);
    expect(memory.totalBytes).toBe(24684092 * 1024);
    expect(memory.availableBytes).toBe(23985616 * 1024);
    expect(memory.usedBytes).toBe((24684092 - 23985616) * 1024);
    expect(memory.usedRatio).toBeCloseTo((24684092 - 23985616) / 24684092, 9);
  });

  it('reads cache, buffers and (absent) swap of the captured file', () => {
    expect(parseMeminfo(PROC_MEMINFO)).toMatchObject({
      cachedBytes: 778568 * 1024,
      buffersBytes: 7900 * 1024,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    });
  });

  it('counts swap in use as total minus free', () => {
    const withSwap =
      'MemTotal: 1000 kB\nMemAvailable: 500 kB\nSwapCached: 8 kB\nSwapTotal: 4096 kB\nSwapFree: 3072 kB\n';
    expect(parseMeminfo(withSwap)).toMatchObject({ swapTotalBytes: 4096 * 1024, swapUsedBytes: 1024 * 1024 });
  });

  it('estimates available memory on kernels without MemAvailable', () => {
    const old = 'MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n';
    expect(parseMeminfo(old)).toMatchObject({ availableBytes: 400 * 1024, usedBytes: 600 * 1024, usedRatio: 0.6 });
  });

  it('rejects text without MemTotal', () => {
    expect(() => parseMeminfo('MemFree: 1 kB\n')).toThrow(/MemTotal/);
  });
});

describe('MemoryCollector', () => {
  it('reports the memory and swap metrics', async () => {
    const collector = new MemoryCollector({
      proc: fixtureFileReader({ meminfo: PROC_MEMINFO }),
      logger: pino({ level: 'silent' }),
    });
    const names = (await collector.collect()).map((s) => s.name);
    expect(names).toEqual([
      'node_memory_total_bytes',
      'node_memory_used_bytes',
      'node_memory_available_bytes',
      'node_memory_used_ratio',
      'node_memory_cached_bytes',
      'node_memory_buffers_bytes',
      'node_memory_swap_total_bytes',
      'node_memory_swap_used_bytes',
    ]);
  });
});
