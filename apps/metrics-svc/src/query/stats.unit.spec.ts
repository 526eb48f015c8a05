import { aggregateAcross, type LabelledPoints, STATS } from './stats';

const latest = { lastAt: 1_000_019_000, last: 7, bucket: 1_000_010_000, min: 2, max: 9, sum: 18, count: 3 };

describe('bucket statistics', () => {
  it('merges partials from Postgres and Redis into the right value per statistic', () => {
    // Postgres had sum 10 over 2 samples (min 1, max 8, last 4 at t=1_000_005_000).
    const pg = {
      avg: { a: 10, b: 2 },
      sum: { a: 10, b: 0 },
      count: { a: 2, b: 0 },
      min: { a: 1, b: 0 },
      max: { a: 8, b: 0 },
      last: { a: 4, b: 1_000_005_000 },
    };
    const expected = { avg: 28 / 5, sum: 28, count: 5, min: 1, max: 9, last: 7 };
    for (const stat of ['avg', 'sum', 'count', 'min', 'max', 'last'] as const) {
      const ops = STATS[stat];
      expect([stat, ops.value(ops.merge(pg[stat], ops.fromLatest(latest)))]).toEqual([stat, expected[stat]]);
      expect([stat, ops.value(ops.merge(ops.fromLatest(latest), pg[stat]))]).toEqual([stat, expected[stat]]);
    }
  });

  it('keeps the later of two last values whatever the order', () => {
    const ops = STATS.last;
    expect(ops.merge({ a: 1, b: 20 }, { a: 2, b: 10 })).toEqual({ a: 1, b: 20 });
    expect(ops.merge({ a: 2, b: 10 }, { a: 1, b: 20 })).toEqual({ a: 1, b: 20 });
  });

  it('has no average without samples', () => {
    expect(STATS.avg.value({ a: 0, b: 0 })).toBeUndefined();
  });
});

describe('aggregateAcross', () => {
  const series: LabelledPoints[] = [
    {
      labels: { node: 'a', rack: 'r1', cpu: '0' },
      points: [
        [0, 1],
        [10, 2],
      ] as [number, number][],
    },
    { labels: { node: 'b', rack: 'r1', cpu: '0' }, points: [[0, 3]] as [number, number][] },
    {
      labels: { node: 'c', rack: 'r2', cpu: '0' },
      points: [
        [0, 10],
        [10, 20],
      ] as [number, number][],
    },
    { labels: { node: 'd', cpu: '0' }, points: [[10, 5]] as [number, number][] },
  ];

  it('computes each operation per point over the series that have one', () => {
    const at = (op: 'avg' | 'min' | 'max' | 'sum' | 'count') => aggregateAcross('m', series, op, [])[0].points;
    expect(at('avg')).toEqual([
      [0, 14 / 3],
      [10, 9],
    ]);
    expect(at('min')).toEqual([
      [0, 1],
      [10, 2],
    ]);
    expect(at('max')).toEqual([
      [0, 10],
      [10, 20],
    ]);
    expect(at('sum')).toEqual([
      [0, 14],
      [10, 27],
    ]);
    expect(at('count')).toEqual([
      [0, 3],
      [10, 3],
    ]);
  });

  it('groups by labels, keeping only those, and leaves out a label a series lacks', () => {
    expect(aggregateAcross('m', series, 'sum', ['rack'])).toEqual([
      {
        metric: 'm',
        labels: { rack: 'r1' },
        points: [
          [0, 4],
          [10, 2],
        ],
      },
      {
        metric: 'm',
        labels: { rack: 'r2' },
        points: [
          [0, 10],
          [10, 20],
        ],
      },
      { metric: 'm', labels: {}, points: [[10, 5]] },
    ]);
  });

  it('groups by node like any label', () => {
    expect(aggregateAcross('m', series, 'max', ['node']).map((s) => s.labels)).toEqual([
      { node: 'a' },
      { node: 'b' },
      { node: 'c' },
      { node: 'd' },
    ]);
  });
});
