import type { Sample } from '@vigil/contracts';
import pino from 'pino';
import {
  ALL_CPUS,
  CpuCollector,
  cpuModePercents,
  type CpuTimes,
  cpuUsagePercent,
  parseCpuTimes,
} from './cpu.collector';
import { fixtureFileReader, type FileReader } from './file-reader';
import { PROC_STAT_AFTER, PROC_STAT_BEFORE } from './fixtures/proc.fixtures';

const logger = pino({ level: 'silent' });

const times = (user: number, idle: number, iowait = 0, steal = 0): CpuTimes => ({
  user,
  nice: 0,
  system: 0,
  idle,
  iowait,
  irq: 0,
  softirq: 0,
  steal,
});

describe('parseCpuTimes', () => {
  it('reads the aggregate and every CPU of a captured /proc/stat, in seconds', () => {
    const cpus = parseCpuTimes(PROC_STAT_BEFORE);
    expect([...cpus.keys()]).toEqual([ALL_CPUS, '0', '1']);
    expect(cpus.get(ALL_CPUS)).toEqual({
      user: 309.12,
      nice: 0,
      system: 81.19,
      idle: 4862.89,
      iowait: 5.9,
      irq: 0,
      softirq: 2.09,
      steal: 0.2,
    });
    expect(cpus.get('1')?.iowait).toBe(4.86);
  });

  it('takes missing columns of old kernels as 0 and rejects text without the aggregate line', () => {
    expect(parseCpuTimes('cpu  100 0 50 800\n').get(ALL_CPUS)).toMatchObject({ user: 1, idle: 8, iowait: 0, steal: 0 });
    expect(() => parseCpuTimes('cpu0 1 2 3 4\n')).toThrow(/no aggregate "cpu" line/);
  });
});

describe('cpuModePercents and cpuUsagePercent', () => {
  it('share the time between two captured readings among the modes', () => {
    const [before, after] = [parseCpuTimes(PROC_STAT_BEFORE), parseCpuTimes(PROC_STAT_AFTER)];
    const modes = cpuModePercents(before.get(ALL_CPUS) as CpuTimes, after.get(ALL_CPUS) as CpuTimes);
    // 215 ticks passed: 17 user, 5 system, 193 idle.
    expect(modes?.user).toBeCloseTo((100 * 17) / 215, 9);
    expect(modes?.system).toBeCloseTo((100 * 5) / 215, 9);
    expect(modes?.steal).toBe(0);
    expect(cpuUsagePercent(modes as CpuTimes)).toBeCloseTo((100 * 22) / 215, 9);
  });

  it('counts iowait as not busy and steal as busy', () => {
    const modes = cpuModePercents(times(0, 0), times(2, 5, 2, 1)) as CpuTimes;
    expect(modes).toMatchObject({ user: 20, idle: 50, iowait: 20, steal: 10 });
    expect(cpuUsagePercent(modes)).toBeCloseTo(30, 9);
  });

  it('is undefined when no time passed or any counter went backwards', () => {
    expect(cpuModePercents(times(1, 1), times(1, 1))).toBeUndefined();
    expect(cpuModePercents(times(1, 5, 3), times(2, 9, 2))).toBeUndefined();
  });
});

describe('CpuCollector', () => {
  function sequenceReader(...texts: string[]): FileReader {
    return { ...fixtureFileReader({}), read: async () => texts.shift() };
  }
  const find = (samples: Sample[], name: string, labels: Record<string, string>) =>
    samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

  it('reports the counters per CPU and mode at once, percentages from the second run', async () => {
    const collector = new CpuCollector({ proc: sequenceReader(PROC_STAT_BEFORE, PROC_STAT_AFTER), logger });
    const first = await collector.collect();
    expect(first).toHaveLength(2 * 8);
    expect(find(first, 'node_cpu_seconds_total', { cpu: '0', mode: 'user' })).toBe(148.23);
    expect(first.some((s) => s.name.endsWith('_percent'))).toBe(false);

    const second = await collector.collect();
    expect(find(second, 'node_cpu_usage_percent', {})).toBeCloseTo((100 * 22) / 215, 6);
    // cpu0: 7 user + 2 system + 100 idle ticks.
    expect(find(second, 'node_cpu_usage_percent', { cpu: '0' })).toBeCloseTo((100 * 9) / 109, 6);
    expect(find(second, 'node_cpu_mode_percent', { mode: 'iowait' })).toBe(0);
    expect(second.filter((s) => s.name === 'node_cpu_mode_percent')).toHaveLength(8);
  });

  it('reports nothing where /proc/stat does not exist', async () => {
    expect(await new CpuCollector({ proc: fixtureFileReader({}), logger }).collect()).toEqual([]);
  });
});
