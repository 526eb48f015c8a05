import { createNodeProfile, type NodeProfile } from '../node-profile';
import { cpuSpikePercent, cpuUsagePercent, loadAverages } from './cpu.shape';
import { DAY_MS, HOUR_MS } from './time-of-day';

const T0 = Date.UTC(2025, 5, 2);
const fleet = Array.from({ length: 10 }, (_, i) => createNodeProfile({ seed: 7, namePrefix: 'sim' }, i));

/** UTC time of `hour` o'clock local time of the node on the day of T0 (or the day after). */
const atLocalHour = (p: NodeProfile, hour: number, day = 0) =>
  T0 + day * DAY_MS + (hour - p.timezoneOffsetHours + 24) * HOUR_MS;

describe('cpuUsagePercent', () => {
  it('stays within [0.5, 100] around the clock', () => {
    for (const p of fleet) {
      for (let t = T0; t < T0 + DAY_MS; t += 60_000) {
        const value = cpuUsagePercent(p, t);
        expect(value).toBeGreaterThanOrEqual(0.5);
        expect(value).toBeLessThanOrEqual(100);
      }
    }
  });

  it('is a pure function of the profile and time', () => {
    const again = createNodeProfile({ seed: 7, namePrefix: 'sim' }, 3);
    expect(cpuUsagePercent(again, T0 + 12_345)).toBe(cpuUsagePercent(fleet[3], T0 + 12_345));
  });

  it("is busier in the local afternoon than at night, in each node's own timezone", () => {
    for (const p of fleet) {
      const mean = (hour: number) => {
        let sum = 0;
        for (let day = 0; day < 7; day++)
          sum += cpuUsagePercent(p, atLocalHour(p, hour, day)) - cpuSpikePercent(p, atLocalHour(p, hour, day));
        return sum / 7;
      };
      expect(mean(14) - mean(2)).toBeGreaterThan(p.cpu.diurnalAmplitudePercent * 0.6);
    }
  });

  it('spikes now and then: a few 1–4 minute spikes per node per day', () => {
    const p = fleet[0];
    let spikeMinutes = 0;
    for (let t = T0; t < T0 + 7 * DAY_MS; t += 60_000) if (cpuSpikePercent(p, t) > 0) spikeMinutes++;
    expect(spikeMinutes).toBeGreaterThan(7 * 2);
    expect(spikeMinutes).toBeLessThan(7 * 24 * 60 * 0.05);
  });
});

describe('loadAverages', () => {
  it("follows CPU use on the node's cores; longer averages move less", () => {
    const p = fleet[1];
    let swing1 = 0;
    let swing15 = 0;
    let previous = loadAverages(p, T0);
    for (let t = T0 + 60_000; t < T0 + 6 * HOUR_MS; t += 60_000) {
      const load = loadAverages(p, t);
      expect(load.load1).toBeCloseTo((p.cores * cpuUsagePercent(p, t)) / 100, 9);
      expect(load.load15).toBeGreaterThan(0);
      expect(load.load15).toBeLessThanOrEqual(p.cores);
      swing1 += Math.abs(load.load1 - previous.load1);
      swing15 += Math.abs(load.load15 - previous.load15);
      previous = load;
    }
    expect(swing15).toBeLessThan(swing1);
  });
});
