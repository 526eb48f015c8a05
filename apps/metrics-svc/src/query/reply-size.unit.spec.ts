import fc from 'fast-check';
import type { LatestReply, RangeQueryReply } from '@vigil/contracts';
import { estimateLatestReply, estimateRangeReply, MAX_POINT_BYTES } from './reply-size';
import type { Series } from './series-selector';

const labelsArb = fc.dictionary(
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/),
  fc.string({ maxLength: 40, unit: 'binary' }),
  {
    maxKeys: 5,
  },
);
const seriesArb = fc.array(
  fc.record({
    id: fc.nat(),
    nodeId: fc.stringMatching(/^[a-z0-9-]{1,30}$/),
    metric: fc.constant('m'),
    labels: labelsArb,
  }),
  { maxLength: 20 },
);
const valueArb = fc.double({ noNaN: true, noDefaultInfinity: true });
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('reply size estimates: an upper bound of what the reply then takes', () => {
  it('a point is at most MAX_POINT_BYTES, whatever its value', () => {
    for (const v of [
      -2.2250738585072014e-308, -1.7976931348623157e308, -0.30000000000000004, 5e-324, -123456789.12345678,
    ])
      expect(JSON.stringify([1_999_999_999_999, v]).length + 1).toBeLessThanOrEqual(MAX_POINT_BYTES);
  });

  it('bounds a range reply, plain or aggregated, from labels and the point count', () => {
    fc.assert(
      fc.property(seriesArb, fc.integer({ min: 0, max: 30 }), valueArb, fc.boolean(), (series: Series[], n, v, agg) => {
        const points = Array.from({ length: n }, (_, i): [number, number] => [1_700_000_000_000 + i * 10_000, v]);
        const plain: RangeQueryReply = {
          tier: '10s',
          step: 10_000,
          series: series.map((s) => ({ metric: s.metric, labels: { ...s.labels, node: s.nodeId }, points })),
        };
        if (!agg) {
          const estimate = estimateRangeReply('m', series, n);
          expect(estimate).toBeGreaterThanOrEqual(bytes(plain));
          return;
        }
        const groups = new Map<string, Record<string, string>>();
        for (const s of series) groups.set(s.nodeId, { node: s.nodeId });
        const summed: RangeQueryReply = {
          tier: '10s',
          step: 10_000,
          series: [...groups.values()].map((labels) => ({ metric: 'm', labels, points })),
        };
        expect(estimateRangeReply('m', series, n, { op: 'sum', by: ['node'] })).toBeGreaterThanOrEqual(bytes(summed));
      }),
      { seed: 19, numRuns: 200 },
    );
  });

  it('is close to the real size for ordinary values (within 2x)', () => {
    const series: Series[] = Array.from({ length: 100 }, (_, i) => ({
      id: i,
      nodeId: `node-${i}`,
      metric: 'node_cpu_usage_percent',
      labels: { cpu: String(i % 8), mode: 'user' },
    }));
    const points = Array.from({ length: 360 }, (_, i): [number, number] => [
      1_700_000_000_000 + i * 10_000,
      12.5 + i / 7,
    ]);
    const reply: RangeQueryReply = {
      tier: '10s',
      step: 10_000,
      series: series.map((s) => ({ metric: s.metric, labels: { ...s.labels, node: s.nodeId }, points })),
    };
    const estimate = estimateRangeReply('node_cpu_usage_percent', series, 360);
    expect(estimate).toBeGreaterThanOrEqual(bytes(reply));
    expect(estimate).toBeLessThan(2 * bytes(reply));
  });

  it('bounds a latest reply', () => {
    fc.assert(
      fc.property(seriesArb, valueArb, (series: Series[], v) => {
        const reply: LatestReply = {
          items: series.map((s) => ({
            nodeId: s.nodeId,
            metric: s.metric,
            labels: s.labels,
            value: v,
            timestamp: 1_999_999_999_999,
          })),
        };
        expect(estimateLatestReply(series)).toBeGreaterThanOrEqual(bytes(reply));
      }),
      { seed: 19, numRuns: 200 },
    );
  });
});
