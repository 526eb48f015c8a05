import pino from 'pino';
import { CpuCollector, cpuUsagePercent, parseProcStat } from './cpu.collector';
import { PROC_STAT_AFTER, PROC_STAT_BEFORE } from './fixtures/proc.fixtures';
import { fixtureProcReader, type ProcReader } from './proc-reader';

const logger = pino({ level: 'silent' });

describe('parseProcStat', () => {
  it('sums the aggregate cpu line of a captured /proc/stat', () => {
    expect(parseProcStat(PROC_STAT_BEFORE)).toEqual({
      idle: 486289 + 590,
      total: 30912 + 0 + 8119 + 486289 + 590 + 0 + 209 + 20,
    });
  });

  it('rejects text without the aggregate line', () => {
    expect(() => parseProcStat('cpu0 1 2 3 4\n')).toThrow(/no aggregate "cpu" line/);
  });
});

describe('cpuUsagePercent', () => {
  it('is the busy share of the ticks between two captured readings', () => {
    const usage = cpuUsagePercent(parseProcStat(PROC_STAT_BEFORE), parseProcStat(PROC_STAT_AFTER));
    // 215 ticks passed, 193 of them idle.
    expect(usage).toBeCloseTo((100 * 22) / 215, 6);
  });

  it('is undefined when no ticks passed or counters went backwards', () => {
    const reading = { idle: 10, total: 100 };
    expect(cpuUsagePercent(reading, reading)).toBeUndefined();
    expect(cpuUsagePercent({ idle: 20, total: 200 }, reading)).toBeUndefined();
  });
});

describe('CpuCollector', () => {
  function sequenceReader(...texts: string[]): ProcReader {
    return { read: async () => texts.shift() };
  }

  it('reports nothing on the first tick and the usage since then on the next', async () => {
    const collector = new CpuCollector({ proc: sequenceReader(PROC_STAT_BEFORE, PROC_STAT_AFTER), logger });
    expect(await collector.collect()).toEqual([]);
    const [sample] = await collector.collect();
    expect(sample.name).toBe('node_cpu_usage_percent');
    expect(sample.value).toBeCloseTo(10.2326, 3);
  });

  it('reports nothing where /proc/stat does not exist', async () => {
    expect(await new CpuCollector({ proc: fixtureProcReader({}), logger }).collect()).toEqual([]);
  });
});
