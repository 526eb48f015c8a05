import { createNodeProfile } from '../node-profile';
import { networkBytesPerSecond, networkBytesTotal } from './network.shape';

const T0 = Date.UTC(2025, 5, 2);
const fleet = Array.from({ length: 5 }, (_, i) => createNodeProfile({ seed: 11, namePrefix: 'sim' }, i));

describe('network counters', () => {
  it('only ever grow, tick by tick, over a whole day', () => {
    for (const p of fleet.slice(0, 2)) {
      for (const direction of ['receive', 'transmit'] as const) {
        let previous = networkBytesTotal(p, direction, T0);
        let decreases = 0;
        for (let t = T0 + 5_000; t <= T0 + 86_400_000; t += 5_000) {
          const total = networkBytesTotal(p, direction, t);
          if (total <= previous) decreases++;
          previous = total;
        }
        expect(decreases).toBe(0);
      }
    }
  });

  it('grow by the published rate', () => {
    const p = fleet[2];
    for (let t = T0; t < T0 + 3_600_000; t += 97_000) {
      const delta = networkBytesTotal(p, 'receive', t + 1_000) - networkBytesTotal(p, 'receive', t);
      const rate = networkBytesPerSecond(p, 'receive', t + 500);
      expect(Math.abs(delta - rate)).toBeLessThan(rate * 0.01 + 2);
    }
  });

  it('are integers that continue where they were, whenever the simulator starts', () => {
    const t = T0 + 12_345_678;
    expect(Number.isInteger(networkBytesTotal(fleet[0], 'transmit', t))).toBe(true);
    expect(networkBytesTotal(createNodeProfile({ seed: 11, namePrefix: 'sim' }, 0), 'transmit', t)).toBe(
      networkBytesTotal(fleet[0], 'transmit', t),
    );
  });
});
