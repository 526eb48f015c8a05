import { createNodeProfile } from '../node-profile';
import { gpuMemoryUsedRatio, gpuTemperatureCelsius, gpuUtilizationPercent } from './gpu.shape';

const T0 = Date.UTC(2025, 5, 2);
const opts = { seed: 9, namePrefix: 'sim' };
const hot = createNodeProfile(opts, 4);
const normal = createNodeProfile(opts, 9);

function overADay(fn: (t: number) => void): void {
  for (let t = T0; t < T0 + 86_400_000; t += 60_000) fn(t);
}

describe('GPU shapes', () => {
  it('keep utilization and memory within range, with busy and idle periods', () => {
    const utilizations: number[] = [];
    overADay((t) => {
      for (let gpu = 0; gpu < normal.gpuCount; gpu++) {
        const u = gpuUtilizationPercent(normal, gpu, t);
        const m = gpuMemoryUsedRatio(normal, gpu, t);
        expect(u).toBeGreaterThanOrEqual(0);
        expect(u).toBeLessThanOrEqual(100);
        expect(m).toBeGreaterThan(0);
        expect(m).toBeLessThan(1);
        utilizations.push(u);
      }
    });
    expect(utilizations.some((u) => u > 60)).toBe(true);
    expect(utilizations.some((u) => u < 10)).toBe(true);
  });

  it('run the hot node above 85 °C all the time and the others below', () => {
    overADay((t) => {
      for (let gpu = 0; gpu < hot.gpuCount; gpu++) expect(gpuTemperatureCelsius(hot, gpu, t)).toBeGreaterThan(85);
      for (let gpu = 0; gpu < normal.gpuCount; gpu++) expect(gpuTemperatureCelsius(normal, gpu, t)).toBeLessThan(85);
    });
  });
});
