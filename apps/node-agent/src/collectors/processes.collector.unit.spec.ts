import type { Sample } from '@vigil/contracts';
import pino from 'pino';
import type { Clock } from '../clock';
import { fixtureFileReader } from './file-reader';
import { PROC_PID_STATS, PROC_STAT_BEFORE } from './fixtures/proc.fixtures';
import { parsePidState, parseSchedulerCounts, ProcessesCollector } from './processes.collector';

describe('parseSchedulerCounts', () => {
  it('reads procs_running and procs_blocked of a captured /proc/stat', () => {
    expect(parseSchedulerCounts(PROC_STAT_BEFORE)).toEqual({ running: 1, blocked: 0 });
  });

  it('rejects text without them', () => {
    expect(() => parseSchedulerCounts('cpu  1 2 3 4\n')).toThrow(/procs_running/);
  });
});

describe('parsePidState', () => {
  it('reads the state of captured /proc/<pid>/stat lines, whatever the command name holds', () => {
    const states = Object.fromEntries(Object.entries(PROC_PID_STATS).map(([pid, stat]) => [pid, parsePidState(stat)]));
    expect(states).toEqual({
      '1': 'S',
      '2': 'S',
      '10': 'I',
      '12675': 'S',
      '12698': 'S',
      '12699': 'S',
      '12701': 'Z',
      '12703': 'R',
    });
  });

  it('rejects anything else', () => {
    expect(() => parsePidState('12 (sleep')).toThrow(/unexpected/);
  });
});

describe('ProcessesCollector', () => {
  const logger = pino({ level: 'silent' });
  const files = {
    stat: PROC_STAT_BEFORE,
    self: '',
    ...Object.fromEntries(Object.entries(PROC_PID_STATS).map(([pid, stat]) => [`${pid}/stat`, stat])),
  };
  const valueOf = (samples: Sample[], name: string) => samples.find((s) => s.name === name)?.value;

  function setup(scanMs: number) {
    let monotonic = 0;
    const clock: Clock = { now: () => 1_700_000_000_000, monotonicMs: () => monotonic };
    const proc = fixtureFileReader(files);
    const list = proc.list;
    // The scan starts with the listing; pretend it takes `scanMs`.
    proc.list = async (dir) => {
      monotonic += scanMs;
      return list(dir);
    };
    return { collector: new ProcessesCollector({ proc, clock, logger }), advance: (ms: number) => (monotonic += ms) };
  }

  it('reports running and blocked from /proc/stat, total and zombies from the process scan', async () => {
    const samples = await setup(1).collector.collect();
    expect(samples).toEqual([
      { name: 'node_procs_running', labels: {}, value: 1 },
      { name: 'node_procs_blocked', labels: {}, value: 0 },
      { name: 'node_procs_total', labels: {}, value: 8 },
      { name: 'node_procs_zombie', labels: {}, value: 1 },
    ]);
  });

  it('scans again only after a hundred times as long as the last scan took', async () => {
    const { collector, advance } = setup(20);
    expect(valueOf(await collector.collect(), 'node_procs_total')).toBe(8);
    advance(1000);
    const between = await collector.collect();
    expect(valueOf(between, 'node_procs_total')).toBeUndefined();
    expect(valueOf(between, 'node_procs_running')).toBe(1);
    advance(1000);
    expect(valueOf(await collector.collect(), 'node_procs_zombie')).toBe(1);
  });

  it('reports nothing where /proc/stat does not exist', async () => {
    const clock: Clock = { now: () => 0, monotonicMs: () => 0 };
    expect(await new ProcessesCollector({ proc: fixtureFileReader({}), clock, logger }).collect()).toEqual([]);
  });
});
