import pino from 'pino';
import { fixtureFileReader } from './file-reader';
import { PROC_UPTIME } from './fixtures/proc.fixtures';
import { parseUptime, UptimeCollector } from './uptime.collector';

describe('parseUptime', () => {
  it('reads the seconds since boot of a captured /proc/uptime', () => {
    expect(parseUptime(PROC_UPTIME)).toBe(2621.51);
  });

  it('rejects anything else', () => {
    expect(() => parseUptime('soon')).toThrow(/unexpected/);
  });
});

describe('UptimeCollector', () => {
  it('reports node_uptime_seconds, or nothing where /proc/uptime does not exist', async () => {
    const logger = pino({ level: 'silent' });
    expect(await new UptimeCollector({ proc: fixtureFileReader({ uptime: PROC_UPTIME }), logger }).collect()).toEqual([
      { name: 'node_uptime_seconds', labels: {}, value: 2621.51 },
    ]);
    expect(await new UptimeCollector({ proc: fixtureFileReader({}), logger }).collect()).toEqual([]);
  });
});
