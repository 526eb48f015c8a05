import { decodeLatestGroup, encodeLatestGroups, LATEST_ENTRY_BYTES, type LatestValue } from './latest-codec';

describe('latest codec', () => {
  const v: LatestValue = {
    lastAt: 1_764_000_012_345,
    last: 0.1 + 0.2,
    bucket: 1_764_000_010_000,
    min: -5e-324,
    max: 1.7976931348623157e308,
    sum: 12.5,
    count: 3,
  };

  it('round-trips every field of every series with an id and a value exactly, in the documented order', () => {
    const [b, empty, c] = encodeLatestGroups([
      [{ id: 42, recent: v }, { id: 0, recent: v }, { id: 9 }, { id: 7, recent: { ...v, last: 7 } }],
      [{ id: 0, recent: v }, { id: 3 }],
      [{ id: 5, recent: { ...v, sum: 1 } }],
    ]) as Buffer[];
    expect(empty).toBeUndefined();
    expect(decodeLatestGroup(c)).toEqual([{ seriesId: 5, value: { ...v, sum: 1 } }]);
    expect(b.length).toBe(2 * LATEST_ENTRY_BYTES);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => b.readDoubleLE(i * 8))).toEqual([
      42,
      v.lastAt,
      v.last,
      v.bucket,
      v.min,
      v.max,
      v.sum,
      v.count,
    ]);
    expect(decodeLatestGroup(b)).toEqual([
      { seriesId: 42, value: v },
      { seriesId: 7, value: { ...v, last: 7 } },
    ]);
  });

  it('yields nothing for missing or malformed values', () => {
    const [good] = encodeLatestGroups([[{ id: 1, recent: v }]]) as Buffer[];
    const nan = Buffer.from(good);
    nan.writeDoubleLE(Number.NaN, 16);
    const fractionalId = Buffer.from(good);
    fractionalId.writeDoubleLE(1.5, 0);
    for (const bad of [null, undefined, Buffer.alloc(0), Buffer.alloc(56), Buffer.alloc(65), nan, fractionalId]) {
      expect(decodeLatestGroup(bad)).toEqual([]);
    }
  });
});
