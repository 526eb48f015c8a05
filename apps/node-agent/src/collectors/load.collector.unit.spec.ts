import pino from 'pino';
import { fixtureFileReader } from './file-reader';
import { PROC_LOADAVG } from './fixtures/proc.fixtures';
import { LoadCollector, parseLoadAvg } from './load.collector';

describe('parseLoadAvg', () => {
  it('reads the three averages of a captured /proc/loadavg', () => {
    expect(parseLoadAvg(PROC_LOADAVG)).toEqual({ load1: 0.76, load5: 0.73, load15: 0.41 });
    expect(parseLoadAvg('0.21 0.37 0.39 1/719 19737')).toEqual({ load1: 0.21, load5: 0.37, load15: 0.39 });
  });

  it('rejects anything else', () => {
    expect(() => parseLoadAvg('')).toThrow(/unexpected/);
    expect(() => parseLoadAvg('0.1 x 0.3 1/2 3')).toThrow(/unexpected/);
  });
});

describe('LoadCollector', () => {
  it('reports node_load1, node_load5 and node_load15', async () => {
    const collector = new LoadCollector({
      proc: fixtureFileReader({ loadavg: PROC_LOADAVG }),
      logger: pino({ level: 'silent' }),
    });
    expect(await collector.collect()).toEqual([
      { name: 'node_load1', labels: {}, value: 0.76 },
      { name: 'node_load5', labels: {}, value: 0.73 },
      { name: 'node_load15', labels: {}, value: 0.41 },
    ]);
  });
});
