import { decodeLatest, encodeLatest, type LatestValue } from './latest-codec';

describe('latest codec', () => {
  const v: LatestValue = { lastAt: 1_764_000_012_345, last: 0.1 + 0.2, bucket: 1_764_000_010_000, min: -5e-324, max: 1.7976931348623157e308, sum: 12.5, count: 3 };

  it('round-trips every field exactly, in the documented order', () => {
    const s = encodeLatest(v);
    expect(s).toBe('1764000012345,0.30000000000000004,1764000010000,-5e-324,1.7976931348623157e+308,12.5,3');
    expect(decodeLatest(s)).toEqual(v);
  });

  it('answers undefined for missing or malformed values', () => {
    for (const bad of [null, undefined, '', '1,2,3', '1,2,3,4,5,6,x', '1,2,3,4,5,6,', '1,2,3,4,5,6,7,8', '1,NaN,3,4,5,6,7']) {
      expect(decodeLatest(bad)).toBeUndefined();
    }
  });
});
