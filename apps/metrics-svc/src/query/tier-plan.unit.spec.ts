import { chooseTier, planSegments, stepWindow } from './tier-plan';

const H = 3600_000;
const M = 60_000;
const S10 = 10_000;
const retention = { '10s': 48 * H, '1m': 30 * 24 * H, '1h': 400 * 24 * H };
const now = Date.UTC(2025, 5, 10, 12, 0, 0);

describe('chooseTier', () => {
  it('takes the finest tier whose bucket fits in the step', () => {
    expect(chooseTier(1000, now - H, now, retention)).toBe('10s');
    expect(chooseTier(15_000, now - H, now, retention)).toBe('10s');
    expect(chooseTier(M, now - H, now, retention)).toBe('1m');
    expect(chooseTier(5 * M, now - H, now, retention)).toBe('1m');
    expect(chooseTier(H, now - H, now, retention)).toBe('1h');
  });

  it('falls back to a coarser tier when the start is older than the finer tier keeps', () => {
    expect(chooseTier(S10, now - 48 * H, now, retention)).toBe('10s');
    expect(chooseTier(S10, now - 48 * H - 1, now, retention)).toBe('1m');
    expect(chooseTier(S10, now - 31 * 24 * H, now, retention)).toBe('1h');
    expect(chooseTier(M, now - 31 * 24 * H, now, retention)).toBe('1h');
    // Older than every tier: the coarsest is all there is.
    expect(chooseTier(S10, now - 500 * 24 * H, now, retention)).toBe('1h');
  });
});

describe('stepWindow', () => {
  it('covers the multiples of the step in [start, end)', () => {
    expect(stepWindow(0, 100, 10)).toEqual({ from: 0, to: 100, points: 10 });
    expect(stepWindow(5, 95, 10)).toEqual({ from: 10, to: 100, points: 9 });
    expect(stepWindow(10, 11, 10)).toEqual({ from: 10, to: 20, points: 1 });
    expect(stepWindow(11, 19, 10)).toEqual({ from: 20, to: 20, points: 0 });
  });
});

describe('planSegments', () => {
  const complete = { '1m': now - 2 * M, '1h': now - H };

  it('reads the 10 s tier as it is', () => {
    expect(planSegments('10s', now - H, now, complete, now, retention)).toEqual([{ tier: '10s', from: now - H, to: now }]);
  });

  it('reads the 1 min tier up to its watermark and the 10 s tier after it', () => {
    expect(planSegments('1m', now - H, now, complete, now, retention)).toEqual([
      { tier: '1m', from: now - H, to: now - 2 * M },
      { tier: '10s', from: now - 2 * M, to: now },
    ]);
  });

  it('reads the 10 s tier for the partial minutes at the edges', () => {
    const from = now - H + 25_000;
    const to = now - 10 * M + 30_000;
    expect(planSegments('1m', from, to, complete, now, retention)).toEqual([
      { tier: '10s', from, to: now - H + M },
      { tier: '1m', from: now - H + M, to: now - 10 * M },
      { tier: '10s', from: now - 10 * M, to },
    ]);
  });

  it('reads whole hours from the 1 h tier, the rest from the 1 min and 10 s tiers', () => {
    const from = now - 7 * H - 30 * M;
    expect(planSegments('1h', from, now, complete, now, retention)).toEqual([
      { tier: '1m', from, to: now - 7 * H },
      { tier: '1h', from: now - 7 * H, to: now - H },
      { tier: '1m', from: now - H, to: now - 2 * M },
      { tier: '10s', from: now - 2 * M, to: now },
    ]);
  });

  it('reads the finer tiers where a coarse tier was never rolled up', () => {
    expect(planSegments('1h', now - 3 * H, now, { '1m': 0, '1h': 0 }, now, retention)).toEqual([{ tier: '10s', from: now - 3 * H, to: now }]);
  });

  it('leaves out an edge the finer tier no longer keeps', () => {
    const from = now - 40 * 24 * H + 30 * M;
    expect(planSegments('1h', from, now - 39 * 24 * H, complete, now, retention)).toEqual([
      { tier: '1h', from: now - 40 * 24 * H + H, to: now - 39 * 24 * H },
    ]);
  });

  it('is empty for an empty range', () => {
    expect(planSegments('1m', now, now, complete, now, retention)).toEqual([]);
  });
});
