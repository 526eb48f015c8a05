import { chooseTier, planSegments, stepWindow, tierForRange } from './tier-plan';

const H = 3600_000;
const M = 60_000;
const S = 1000;
const S10 = 10_000;
const D = 24 * H;
const retention = { '10s': 48 * H, '1m': 30 * D, '10m': 90 * D, '1h': 400 * D };
const now = Date.UTC(2025, 5, 10, 12, 0, 0);

describe('chooseTier', () => {
  it('takes the coarsest tier whose bucket divides the step', () => {
    expect(chooseTier(1000, now - H, now, retention)).toBe('10s');
    expect(chooseTier(15_000, now - H, now, retention)).toBe('10s');
    expect(chooseTier(90_000, now - H, now, retention)).toBe('10s');
    expect(chooseTier(M, now - H, now, retention)).toBe('1m');
    expect(chooseTier(5 * M, now - H, now, retention)).toBe('1m');
    expect(chooseTier(15 * M, now - H, now, retention)).toBe('1m');
    expect(chooseTier(10 * M, now - H, now, retention)).toBe('10m');
    expect(chooseTier(30 * M, now - H, now, retention)).toBe('10m');
    expect(chooseTier(90 * M, now - H, now, retention)).toBe('10m');
    expect(chooseTier(H, now - H, now, retention)).toBe('1h');
    expect(chooseTier(D, now - H, now, retention)).toBe('1h');
  });

  it('falls back to a coarser tier when the start is older than the finer tier keeps', () => {
    expect(chooseTier(S10, now - 48 * H, now, retention)).toBe('10s');
    expect(chooseTier(S10, now - 48 * H - 1, now, retention)).toBe('1m');
    expect(chooseTier(S10, now - 31 * D, now, retention)).toBe('10m');
    expect(chooseTier(M, now - 31 * D, now, retention)).toBe('10m');
    expect(chooseTier(M, now - 91 * D, now, retention)).toBe('1h');
    expect(chooseTier(10 * M, now - 91 * D, now, retention)).toBe('1h');
    // Older than every tier: the coarsest is all there is.
    expect(chooseTier(S10, now - 500 * 24 * H, now, retention)).toBe('1h');
  });
});

describe('tierForRange', () => {
  it('takes the coarsest tier with six buckets in the range', () => {
    expect(tierForRange(now - 35 * S10, now, now, retention)).toBe('10s');
    expect(tierForRange(now - 6 * M, now, now, retention)).toBe('1m');
    expect(tierForRange(now - 59 * M, now, now, retention)).toBe('1m');
    expect(tierForRange(now - H, now, now, retention)).toBe('10m');
    expect(tierForRange(now - 6 * H + 1, now, now, retention)).toBe('10m');
    expect(tierForRange(now - 6 * H, now, now, retention)).toBe('1h');
    expect(tierForRange(now - 30 * D, now, now, retention)).toBe('1h');
  });

  it('falls back to a coarser tier when the start is older than that tier keeps', () => {
    expect(tierForRange(now - 3 * D, now - 3 * D + 10 * M, now, retention)).toBe('1m');
    expect(tierForRange(now - 31 * D, now - 31 * D + 10 * M, now, retention)).toBe('10m');
    expect(tierForRange(now - 91 * D, now - 91 * D + H, now, retention)).toBe('1h');
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
  const complete = { '1m': now - 2 * M, '10m': now - 10 * M, '1h': now - H };

  it('reads the 10 s tier as it is', () => {
    expect(planSegments('10s', now - H, now, complete, now, retention)).toEqual([
      { tier: '10s', from: now - H, to: now },
    ]);
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

  it('reads whole 10 min buckets from the 10 min tier, ragged edges from the 1 min and 10 s tiers', () => {
    const from = now - H - 3 * M - 25 * S;
    expect(planSegments('10m', from, now - 15_000, complete, now, retention)).toEqual([
      { tier: '10s', from, to: now - H - 3 * M },
      { tier: '1m', from: now - H - 3 * M, to: now - H },
      { tier: '10m', from: now - H, to: now - 10 * M },
      { tier: '1m', from: now - 10 * M, to: now - 2 * M },
      { tier: '10s', from: now - 2 * M, to: now - 15_000 },
    ]);
  });

  it('reads the 10 min tier only as far as its own watermark', () => {
    expect(planSegments('10m', now - H, now, { ...complete, '10m': now - 40 * M }, now, retention)).toEqual([
      { tier: '10m', from: now - H, to: now - 40 * M },
      { tier: '1m', from: now - 40 * M, to: now - 2 * M },
      { tier: '10s', from: now - 2 * M, to: now },
    ]);
  });

  it('reads whole hours from the 1 h tier, the rest from the 10 min, 1 min and 10 s tiers', () => {
    const from = now - 7 * H - 35 * M;
    expect(planSegments('1h', from, now, complete, now, retention)).toEqual([
      { tier: '1m', from, to: now - 7 * H - 30 * M },
      { tier: '10m', from: now - 7 * H - 30 * M, to: now - 7 * H },
      { tier: '1h', from: now - 7 * H, to: now - H },
      { tier: '10m', from: now - H, to: now - 10 * M },
      { tier: '1m', from: now - 10 * M, to: now - 2 * M },
      { tier: '10s', from: now - 2 * M, to: now },
    ]);
  });

  it('reads the finer tiers where a coarse tier was never rolled up', () => {
    expect(planSegments('1h', now - 3 * H, now, { '1m': 0, '10m': 0, '1h': 0 }, now, retention)).toEqual([
      { tier: '10s', from: now - 3 * H, to: now },
    ]);
    expect(planSegments('1h', now - 3 * H, now, { ...complete, '10m': 0 }, now, retention)).toEqual([
      { tier: '1h', from: now - 3 * H, to: now - H },
      { tier: '1m', from: now - H, to: now - 2 * M },
      { tier: '10s', from: now - 2 * M, to: now },
    ]);
  });

  it('leaves out an edge the finer tier no longer keeps', () => {
    // The 10 min tier still has the edge of a 1 h plan 40 days back; its own edge, the 1 min tier's, is gone.
    const from = now - 40 * D + 35 * M;
    expect(planSegments('1h', from, now - 39 * D, complete, now, retention)).toEqual([
      { tier: '10m', from: now - 40 * D + 40 * M, to: now - 40 * D + H },
      { tier: '1h', from: now - 40 * D + H, to: now - 39 * D },
    ]);
    // 100 days back only the 1 h tier is left.
    expect(planSegments('1h', now - 100 * D + 30 * M, now - 99 * D, complete, now, retention)).toEqual([
      { tier: '1h', from: now - 100 * D + H, to: now - 99 * D },
    ]);
  });

  it('is empty for an empty range', () => {
    expect(planSegments('1m', now, now, complete, now, retention)).toEqual([]);
  });
});
