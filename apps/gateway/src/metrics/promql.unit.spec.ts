import { ValidationError } from '@vigil/contracts';
import { parseMatchers, parsePromQL } from './promql';

describe('parsePromQL (the supported subset)', () => {
  it('parses a bare metric name', () => {
    expect(parsePromQL('node_cpu_usage_percent')).toEqual({ metric: 'node_cpu_usage_percent', matchers: [] });
    expect(parsePromQL('  job:rate_5m  ')).toEqual({ metric: 'job:rate_5m', matchers: [] });
  });

  it('parses matchers of every operator, quotes and escapes, node included', () => {
    expect(parsePromQL(`node_filesystem_used_ratio{mount="/", device=~'sd.*', node!="n1", fs!~\`tmp\\d\`,}`)).toEqual({
      metric: 'node_filesystem_used_ratio',
      matchers: [
        { label: 'mount', op: '=', value: '/' },
        { label: 'device', op: '=~', value: 'sd.*' },
        { label: 'node', op: '!=', value: 'n1' },
        { label: 'fs', op: '!~', value: 'tmp\\d' },
      ],
    });
    expect(parsePromQL('m{a="x\\"y\\\\z\\n\\u00e9"}').matchers[0].value).toBe('x"y\\z\né');
    expect(parsePromQL('m{}')).toEqual({ metric: 'm', matchers: [] });
  });

  it('takes the metric from __name__', () => {
    expect(parsePromQL('{__name__="up", job="x"}')).toEqual({
      metric: 'up',
      matchers: [{ label: 'job', op: '=', value: 'x' }],
    });
    expect(parsePromQL('up{__name__="up"}')).toEqual({ metric: 'up', matchers: [] });
  });

  it('parses one aggregation with by before or after, or none', () => {
    const sel = { metric: 'm', matchers: [{ label: 'a', op: '=', value: 'b' }] };
    expect(parsePromQL('sum(m{a="b"})')).toEqual({ ...sel, aggregate: { op: 'sum', by: [] } });
    expect(parsePromQL('avg by (node, mount) (m{a="b"})')).toEqual({
      ...sel,
      aggregate: { op: 'avg', by: ['node', 'mount'] },
    });
    expect(parsePromQL('max(m{a="b"}) by (node,)')).toEqual({ ...sel, aggregate: { op: 'max', by: ['node'] } });
    expect(parsePromQL('min by () (m{a="b"})')).toEqual({ ...sel, aggregate: { op: 'min', by: [] } });
    expect(parsePromQL('count(m{a="b"})')).toEqual({ ...sel, aggregate: { op: 'count', by: [] } });
    // An aggregation's name alone is a metric of that name.
    expect(parsePromQL('sum')).toEqual({ metric: 'sum', matchers: [] });
  });

  it.each([
    ['rate(node_cpu_seconds_total[5m])', /function rate\(\) is not supported/],
    ['node_cpu_seconds_total[5m]', /range vectors/],
    ['m offset 5m', /offset is not supported/],
    ['m @ 1609746000', /@ modifier/],
    ['m + 1', /binary operators \("\+"\)/],
    ['m / on(node) n', /binary operators \("\/"\)/],
    ['m and n', /set operators/],
    ['sum without (node) (m)', /"without" is not supported/],
    ['topk(5, m)', /aggregation topk is not supported/],
    ['sum(rate(m[1m]))', /function rate\(\)/],
    ['sum by (a) (m) by (b)', /"by" given twice/],
    ['{job="x"}', /a metric name is required/],
    ['{__name__=~"node_.*"}', /__name__/],
    ['a{__name__="b"}', /must not be set twice/],
    ['m{a=b}', /expected a quoted value for label a/],
    ['m{a="b"', /unexpected end of query/],
    ['m{a="b}', /unterminated string/],
    ['m{a="\\q"}', /unknown escape sequence/],
    ['42', /number literals/],
    ['', /empty query/],
    ['m n', /unexpected "n" at position 2/],
    ['m{a=~"x(?=y)"}', /invalid regular expression in matcher a=~"x\(\?=y\)" at position 5: lookahead/],
    ['m{a!~`(x)\\1`}', /matcher a!~"\(x\)\\\\1" at position 5: backreferences/],
    ['m{a=~"(x"}', /matcher a=~"\(x" at position 5: not a valid RE2 regular expression: missing closing \)/],
  ])('refuses %s', (query, message) => {
    expect(() => parsePromQL(query)).toThrow(ValidationError);
    expect(() => parsePromQL(query)).toThrow(message);
  });
});

describe('parseMatchers', () => {
  it('parses a matcher list with or without braces', () => {
    const expected = [
      { label: 'cpu', op: '=~', value: '1|2' },
      { label: 'mount', op: '=', value: '/' },
    ];
    expect(parseMatchers('cpu=~"1|2", mount="/"')).toEqual(expected);
    expect(parseMatchers('{cpu=~"1|2",mount="/"}')).toEqual(expected);
    expect(parseMatchers('')).toEqual([]);
    expect(() => parseMatchers('cpu=1')).toThrow(/quoted value/);
    expect(() => parseMatchers('cpu="1" mount="/"')).toThrow(ValidationError);
  });
});
