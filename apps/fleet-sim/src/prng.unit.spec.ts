import { hash32, seededRandom, unitHash, valueNoise } from './prng';

describe('prng', () => {
  it('hashes deterministically and spreads nearby inputs', () => {
    expect(hash32(1, 2, 3)).toBe(hash32(1, 2, 3));
    expect(hash32(1, 2, 3)).not.toBe(hash32(1, 2, 4));
    expect(hash32(1, 2)).not.toBe(hash32(2, 1));
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) buckets[Math.floor(unitHash(42, i) * 10)]++;
    for (const count of buckets) expect(count).toBeGreaterThan(850);
  });

  it('makes smooth noise within [-1, 1]', () => {
    let previous = valueNoise(7, 0, 10_000);
    for (let t = 100; t < 600_000; t += 100) {
      const value = valueNoise(7, t, 10_000);
      expect(Math.abs(value)).toBeLessThanOrEqual(1);
      expect(Math.abs(value - previous)).toBeLessThan(0.05);
      previous = value;
    }
  });

  it('repeats a seeded sequence', () => {
    const a = seededRandom(99);
    const b = seededRandom(99);
    const draws = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(draws);
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
  });
});
