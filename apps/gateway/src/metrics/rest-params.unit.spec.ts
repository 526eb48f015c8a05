import { LatestRequest, RangeQueryRequest, TopKRequest, validate, ValidationError } from '@vigil/contracts';
import { latestRequest, rangeRequest, topKRequest } from './rest-params';

const now = 1_700_000_000_000;

describe('REST query parameters → metrics requests', () => {
  it('builds a range request from every parameter', () => {
    const r = rangeRequest(
      {
        metric: 'node_cpu_usage_percent',
        'match[]': ['cpu=~"1|2"', 'mode!="idle"'],
        node: ['a', 'b,c'],
        node_label: ['rack=r1', 'env=prod=x'],
        start: 'now-1h',
        step: '1m',
        stat: 'max',
        agg: 'avg',
        by: 'node,cpu',
      },
      now,
    );
    expect(validate(RangeQueryRequest, r, 'request')).toEqual({
      metric: 'node_cpu_usage_percent',
      matchers: [
        { label: 'cpu', op: '=~', value: '1|2' },
        { label: 'mode', op: '!=', value: 'idle' },
      ],
      nodes: { ids: ['a', 'b', 'c'], labels: { rack: 'r1', env: 'prod=x' } },
      start: now - 3_600_000,
      end: now,
      step: 60_000,
      stat: 'max',
      aggregate: { op: 'avg', by: ['node', 'cpu'] },
    });
  });

  it('leaves defaults to the contract and lets it refuse what is wrong', () => {
    expect(
      validate(RangeQueryRequest, rangeRequest({ metric: 'm', start: 'now-5m', step: '10s' }, now), 'r'),
    ).toMatchObject({ stat: 'avg', matchers: [] });
    expect(() => validate(RangeQueryRequest, rangeRequest({ start: 'now-5m', step: '10s' }, now), 'r')).toThrow(
      /metric/,
    );
    expect(() =>
      validate(RangeQueryRequest, rangeRequest({ metric: 'm', start: 'now', end: 'now-1h', step: '10s' }, now), 'r'),
    ).toThrow(/end must be after start/);
    expect(() =>
      rangeRequest({ metric: 'm', start: 'now', step: '10s', metric2: 'x', node_label: 'rack' }, now),
    ).toThrow(/not name=value/);
    expect(() => rangeRequest({ metric: ['a', 'b'], start: 'now', step: '1m' }, now)).toThrow(
      /metric is given 2 times/,
    );
  });

  it('builds topK requests with and without a range', () => {
    expect(validate(TopKRequest, topKRequest({ metric: 'm', k: '3' }, now), 'r')).toEqual({
      metric: 'm',
      matchers: [],
      k: 3,
      stat: 'avg',
      order: 'desc',
    });
    expect(
      validate(TopKRequest, topKRequest({ metric: 'm', start: 'now-1h', order: 'asc', stat: 'max' }, now), 'r'),
    ).toEqual({
      metric: 'm',
      matchers: [],
      k: 10,
      stat: 'max',
      order: 'asc',
      range: { start: now - 3_600_000, end: now },
    });
    expect(() => topKRequest({ metric: 'm', end: 'now' }, now)).toThrow(ValidationError);
    expect(() => topKRequest({ metric: 'm', k: 'ten' }, now)).toThrow(/k: "ten" is not a whole number/);
  });

  it('builds latest requests without a metric', () => {
    expect(validate(LatestRequest, latestRequest({ node: 'n1' }), 'r')).toEqual({
      matchers: [],
      nodes: { ids: ['n1'] },
    });
  });
});
