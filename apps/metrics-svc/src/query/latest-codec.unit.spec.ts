import { decodeLatest, encodeLatest, encodeLatestMany, type LatestValue } from './latest-codec';

describe('latest codec', () => {
  const v: LatestValue = { lastAt: 1_764_000_012_345, last: 0.1 + 0.2, bucket: 1_764_000_010_000, min: -5e-324, max: 1.7976931348623157e308, sum: 12.5, count: 3 };

  it('round-trips every field exactly, in the documented order', () => {
    const b = encodeLatest(v);
    expect(b.length).toBe(56);
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => b.readDoubleLE(i * 8))).toEqual([v.lastAt, v.last, v.bucket, v.min, v.max, v.sum, v.count]);
    expect(decodeLatest(b)).toEqual(v);
    const many = encodeLatestMany([v, { ...v, last: 7 }]);
    expect(many.map((x) => decodeLatest(x)?.last)).toEqual([v.last, 7]);
  });

  it('answers undefined for missing or malformed values', () => {
    const nan = Buffer.from(encodeLatest(v));
    nan.writeDoubleLE(Number.NaN, 8);
    for (const bad of [null, undefined, Buffer.alloc(0), Buffer.alloc(55), Buffer.alloc(64), nan]) {
      expect(decodeLatest(bad)).toBeUndefined();
    }
  });
});
