import { foldPartials, neutralPartials, RangeCache, rankPartials } from './range-cache';

const ids = (...xs: number[]) => Int32Array.from(xs);
const partials = (a: number[], b: number[]) => ({ a: Float64Array.from(a), b: Float64Array.from(b) });

describe('RangeCache', () => {
  it('folds and ranks each statistic, leaving out series without data', () => {
    const sel = ids(1, 2, 3);
    const avg = neutralPartials('avg', 3);
    foldPartials('avg', avg, partials([10, 40, 0], [1, 2, 0]));
    foldPartials('avg', avg, partials([30, 0, 0], [1, 0, 0]));
    // A tie goes to the lower id; series 3 has no samples.
    expect(rankPartials('avg', avg, sel, 'desc', 5)).toEqual([
      { id: 1, v: 20 },
      { id: 2, v: 20 },
    ]);
    const last = neutralPartials('last', 3);
    foldPartials('last', last, partials([5, 6, 0], [200, 100, -Infinity]));
    foldPartials('last', last, partials([7, 8, 0], [100, 300, -Infinity]));
    expect(rankPartials('last', last, sel, 'asc', 5)).toEqual([
      { id: 1, v: 5 },
      { id: 2, v: 8 },
    ]);
    const max = neutralPartials('max', 3);
    foldPartials('max', max, partials([1, -Infinity, 9], [0, 0, 0]));
    expect(rankPartials('max', max, sel, 'desc', 1)).toEqual([{ id: 3, v: 9 }]);
  });

  it('carries buckets over to a changed selection and marks the new series missing', () => {
    const cache = new RangeCache(1 << 20);
    const first = cache.selection('k', 'avg', ids(1, 3));
    cache.put(first, '1m', 0, partials([10, 30], [1, 1]), 1);
    const next = cache.selection('k', 'avg', ids(1, 2, 3));
    const got = cache.get(next, '1m', 0, 2);
    expect(got && [...got.a]).toEqual([10, 0, 30]);
    expect(got?.missing && [...got.missing]).toEqual([1]);
    cache.complete(next, '1m', 0);
    expect(cache.get(next, '1m', 0, 3)?.missing).toBeUndefined();
  });

  it('drops everything when the late-write revision moves, and stays within its bytes', () => {
    const cache = new RangeCache(3 * 2 * 16); // three buckets of two series
    cache.sync('0');
    const sel = cache.selection('k', 'max', ids(1, 2));
    for (let b = 0; b < 5; b++) cache.put(sel, '10s', b * 10_000, partials([b, b], [0, 0]), b);
    expect(cache.bytes).toBe(96);
    // The least recently used went first.
    expect(cache.get(sel, '10s', 0, 9)).toBeUndefined();
    expect(cache.get(sel, '10s', 40_000, 9)).toBeDefined();
    cache.sync('0');
    expect(cache.bytes).toBe(96);
    cache.sync('1');
    expect(cache.bytes).toBe(0);
    expect(cache.get(cache.selection('k', 'max', ids(1, 2)), '10s', 40_000, 10)).toBeUndefined();
  });

  it('folds a coarse bucket from the finer ones only when every one is held whole', () => {
    const cache = new RangeCache(1 << 20);
    const sel = cache.selection('k', 'avg', ids(1, 2));
    const minute = 600_000;
    // Five of the six 10 s buckets of a minute: not derivable.
    for (let i = 0; i < 5; i++) cache.put(sel, '10s', minute + i * 10_000, partials([i, 10], [1, 1]), 1);
    expect(cache.derive(sel, '1m', minute, 2)).toBeUndefined();
    cache.put(sel, '10s', minute + 50_000, partials([5, 10], [1, 0]), 1);
    const m = cache.derive(sel, '1m', minute, 3);
    expect(m && [...m.a]).toEqual([0 + 1 + 2 + 3 + 4 + 5, 60]);
    expect(m && [...m.b]).toEqual([6, 5]);
    expect(cache.derived).toBe(1);
    // Kept: the next get answers it.
    expect(cache.get(sel, '1m', minute, 4)).toBeDefined();

    // A finer bucket missing a series (it joined the selection after the read) is not whole.
    const wider = cache.selection('k', 'avg', ids(1, 2, 3));
    expect(cache.get(wider, '10s', minute, 5)?.missing).toBeDefined();
    expect(cache.derive(wider, '10m', minute, 5)).toBeUndefined();

    // An hour from six 10 min buckets, or failing that from sixty 1 min ones.
    const max = cache.selection('m', 'max', ids(1));
    for (let i = 0; i < 60; i++) cache.put(max, '1m', i * 60_000, partials([i], [0]), 6);
    expect(cache.derive(max, '1h', 0, 7)?.a[0]).toBe(59);
    const max2 = cache.selection('m2', 'max', ids(1));
    for (let i = 0; i < 6; i++) cache.put(max2, '10m', i * 600_000, partials([-i - 1], [0]), 6);
    expect(cache.derive(max2, '1h', 0, 7)?.a[0]).toBe(-1);
    expect(cache.derive(max2, '1h', 3600_000, 7)).toBeUndefined();
  });
});
