import { CollectorName } from '@vigil/contracts';
import pino from 'pino';
import { systemClock } from '../clock';
import { fixtureFileReader } from './file-reader';
import { createCollectors } from './index';

const deps = {
  proc: fixtureFileReader({}),
  sys: fixtureFileReader({}),
  statfs: async () => ({ bsize: 0, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0 }),
  env: { PATH: '' },
  clock: systemClock,
  logger: pino({ level: 'silent' }),
};

describe('createCollectors', () => {
  it('has one collector for every name the agent config knows, named as there, all on every tick by default', () => {
    const collectors = createCollectors(deps);
    expect(collectors.map((c) => c.collector.name)).toEqual(CollectorName.options);
    expect(collectors.every((c) => c.intervalMs === undefined)).toBe(true);
  });

  it('leaves out disabled collectors and gives the others their own interval', () => {
    const collectors = createCollectors(deps, {
      gpu: { enabled: false },
      temperature: { enabled: false, intervalMs: 5_000 },
      filesystem: { enabled: true, intervalMs: 60_000 },
    });
    const byName = new Map(collectors.map((c) => [c.collector.name, c.intervalMs]));
    expect(byName.has('gpu')).toBe(false);
    expect(byName.has('temperature')).toBe(false);
    expect(byName.get('filesystem')).toBe(60_000);
    expect(byName.get('cpu')).toBeUndefined();
  });
});
