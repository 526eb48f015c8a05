import { createNodeProfile } from '../node-profile';
import { memoryUsedRatio } from './memory.shape';

const T0 = Date.UTC(2025, 5, 2);

describe('memoryUsedRatio', () => {
  it('stays between 0.25 and 0.85', () => {
    for (let i = 0; i < 10; i++) {
      const p = createNodeProfile({ seed: 3, namePrefix: 'sim' }, i);
      for (let t = T0; t < T0 + 86_400_000; t += 30_000) {
        const ratio = memoryUsedRatio(p, t);
        expect(ratio).toBeGreaterThan(0.25);
        expect(ratio).toBeLessThan(0.85);
      }
    }
  });

  it('climbs between collections and drops once per GC period, like a garbage-collected heap', () => {
    const p = createNodeProfile({ seed: 3, namePrefix: 'sim' }, 0);
    const step = 1_000;
    let drops = 0;
    let previous = memoryUsedRatio(p, T0);
    for (let t = T0 + step; t <= T0 + 10 * p.memory.gcPeriodMs; t += step) {
      const ratio = memoryUsedRatio(p, t);
      if (previous - ratio > p.memory.sawtoothRatio * 0.8) drops++;
      previous = ratio;
    }
    expect(drops).toBeGreaterThanOrEqual(9);
    expect(drops).toBeLessThanOrEqual(11);
  });
});
