import { align, appendLive, latest, type Series } from './chart-data';

describe('chart data', () => {
  it('aligns series on the union of their times, in seconds, with gaps as null', () => {
    const series: Series[] = [
      {
        key: '/',
        points: [
          [10_000, 0.5],
          [20_000, 0.6],
        ],
      },
      {
        key: '/data',
        points: [
          [20_000, 0.9],
          [30_000, 0.95],
        ],
      },
    ];
    expect(align(series)).toEqual([
      [10, 20, 30],
      [0.5, 0.6, null],
      [null, 0.9, 0.95],
    ]);
    expect(align([])).toEqual([[]]);
  });

  it('appends live values in order, opens new series, and keeps only the range', () => {
    const series: Series[] = [
      {
        key: '',
        points: [
          [1000, 1],
          [2000, 2],
        ],
      },
    ];
    expect(appendLive(series, '', 2000, 9, 0)).toBe(false);
    expect(appendLive(series, '', 3000, 3, 1500)).toBe(true);
    expect(series[0].points).toEqual([
      [2000, 2],
      [3000, 3],
    ]);
    expect(appendLive(series, 'eth0', 3500, 7, 1500)).toBe(true);
    expect(series.map((s) => s.key)).toEqual(['', 'eth0']);
    expect(latest(series)).toEqual({ at: 3500, value: 7 });
    expect(latest([])).toBeUndefined();
  });
});
