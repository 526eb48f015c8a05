import { ValidationError } from '@vigil/contracts';
import { matcherConditions, regexMatch, validateMatchers } from './matchers';

describe('matchers', () => {
  it('turns each equality operator into SQL on the labels (missing = "") or on the node id; regexes stay out of SQL', () => {
    const params: unknown[] = [];
    const sql = matcherConditions(
      [
        { label: 'mount', op: '=', value: '/' },
        { label: 'node', op: '=', value: 'n1' },
        { label: 'device', op: '!=', value: 'lo' },
        { label: 'cpu', op: '=~', value: '1|2' },
        { label: 'node', op: '!~', value: 'test-.*' },
        { label: 'fs', op: '=', value: '' },
      ],
      params,
    );
    expect(sql).toEqual([
      `s.labels @> $8::jsonb`,
      `coalesce(s.labels ->> $1, '') = $2`,
      `s.node_id = $3`,
      `coalesce(s.labels ->> $4, '') <> $5`,
      `coalesce(s.labels ->> $6, '') = $7`,
    ]);
    expect(params).toEqual(['mount', '/', 'n1', 'device', 'lo', 'fs', '', '{"mount":"/"}']);
  });

  it('selects nothing for two different values of one label', () => {
    expect(
      matcherConditions(
        [
          { label: 'mount', op: '=', value: '/' },
          { label: 'mount', op: '=', value: '/home' },
        ],
        [],
      ),
    ).toEqual(['false']);
  });

  it('refuses a regex that does not compile, naming the matcher', () => {
    expect(() => validateMatchers([{ label: 'cpu', op: '=~', value: '(' }])).toThrow(ValidationError);
    expect(() => validateMatchers([{ label: 'cpu', op: '=~', value: '(' }])).toThrow(/cpu=~"\("/);
    expect(() => validateMatchers([{ label: 'cpu', op: '=', value: '(' }])).not.toThrow();
    expect(() => validateMatchers([{ label: 'cpu', op: '!~', value: '(a)\\1' }])).toThrow(
      /cpu!~"\(a\)\\\\1": backreferences \(\\1\) are not supported/,
    );
  });

  it('applies the regex matchers (anchored, on RE2) to a series, a missing label reading as ""', () => {
    const match = regexMatch([
      { label: 'mount', op: '=', value: '/' },
      { label: 'cpu', op: '=~', value: '1|2' },
      { label: 'node', op: '!~', value: 'test-.*' },
    ]);
    expect(match?.('web-1', { cpu: '1' })).toBe(true);
    expect(match?.('web-1', { cpu: '12' })).toBe(false);
    expect(match?.('test-1', { cpu: '2' })).toBe(false);
    expect(match?.('web-1', {})).toBe(false);
    expect(regexMatch([{ label: 'cpu', op: '=~', value: '|1' }])?.('n', {})).toBe(true);
    expect(regexMatch([{ label: 'cpu', op: '=', value: '1' }])).toBeUndefined();
  });
});
