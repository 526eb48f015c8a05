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
});
