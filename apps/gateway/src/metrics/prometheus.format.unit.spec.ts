import { aggregateInstant, formatValue, toMatrix, toVector } from './prometheus.format';

describe('Prometheus response format', () => {
  it('prints values as Prometheus does', () => {
    expect(formatValue(1)).toBe('1');
    expect(formatValue(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatValue(-2.5)).toBe('-2.5');
    expect(formatValue(1e21)).toBe('1000000000000000000000');
    expect(formatValue(1.5e22)).toBe('15000000000000000000000');
    expect(formatValue(1.2345e-7)).toBe('0.00000012345');
    expect(formatValue(-1e-7)).toBe('-0.0000001');
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(Infinity)).toBe('+Inf');
    expect(formatValue(-Infinity)).toBe('-Inf');
  });

  it('turns range series into a matrix with __name__ unless aggregated', () => {
    const series = [{ metric: 'm', labels: { node: 'a' }, points: [[1_435_781_451_781, 1] as [number, number]] }];
    expect(toMatrix(series, false)).toEqual({
      resultType: 'matrix',
      result: [{ metric: { __name__: 'm', node: 'a' }, values: [[1435781451.781, '1']] }],
    });
    expect(toMatrix(series, true).result[0].metric).toEqual({ node: 'a' });
  });

  it('aggregates an instant vector by labels', () => {
    const samples = [
      { labels: { node: 'a', rack: 'r1' }, value: 1 },
      { labels: { node: 'b', rack: 'r1' }, value: 3 },
      { labels: { node: 'c', rack: 'r2' }, value: 10 },
    ];
    expect(aggregateInstant(samples, 'avg', ['rack'])).toEqual([
      { labels: { rack: 'r1' }, value: 2 },
      { labels: { rack: 'r2' }, value: 10 },
    ]);
    expect(aggregateInstant(samples, 'count', [])).toEqual([{ labels: {}, value: 3 }]);
    expect(toVector([{ labels: {}, value: 3 }], 1_000_500)).toEqual({
      resultType: 'vector',
      result: [{ metric: {}, value: [1000.5, '3'] }],
    });
  });
});
