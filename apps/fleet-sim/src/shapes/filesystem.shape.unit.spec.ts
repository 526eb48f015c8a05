import { createNodeProfile } from '../node-profile';
import { dataUsedRatio, FILLING_DISK_PEAK_RATIO, rootUsedRatio } from './filesystem.shape';

const T0 = Date.UTC(2025, 5, 2);
const DAY_MS = 86_400_000;

describe('dataUsedRatio', () => {
  const filling = createNodeProfile({ seed: 5, namePrefix: 'sim' }, 2);

  it('fills steadily toward 0.99 on filling nodes, then is cleaned back to its base', () => {
    const fill = filling.dataDisk.fill!;
    let rises = 0;
    let cleanups = 0;
    let peak = 0;
    let previous = dataUsedRatio(filling, T0);
    for (let t = T0 + 60_000; t < T0 + DAY_MS; t += 60_000) {
      const ratio = dataUsedRatio(filling, t);
      expect(ratio).toBeGreaterThanOrEqual(filling.dataDisk.baseRatio);
      expect(ratio).toBeLessThanOrEqual(FILLING_DISK_PEAK_RATIO);
      if (ratio > previous) rises++;
      if (previous - ratio > 0.3) cleanups++;
      peak = Math.max(peak, ratio);
      previous = ratio;
    }
    expect(peak).toBeGreaterThan(0.97);
    expect(cleanups).toBeGreaterThanOrEqual(Math.floor(DAY_MS / fill.periodMs));
    expect(cleanups).toBeLessThanOrEqual(Math.ceil(DAY_MS / fill.periodMs));
    expect(rises).toBeGreaterThan(1440 - 10);
  });

  it('stays near its base on other nodes, as does /', () => {
    const steady = createNodeProfile({ seed: 5, namePrefix: 'sim' }, 1);
    expect(steady.dataDisk.fill).toBeUndefined();
    for (let t = T0; t < T0 + DAY_MS; t += 600_000) {
      expect(Math.abs(dataUsedRatio(steady, t) - steady.dataDisk.baseRatio)).toBeLessThanOrEqual(0.02 + 1e-9);
      expect(Math.abs(rootUsedRatio(steady, t) - steady.rootDisk.usedRatio)).toBeLessThanOrEqual(0.002 + 1e-9);
    }
  });
});
