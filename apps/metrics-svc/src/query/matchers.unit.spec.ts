import { ValidationError } from '@vigil/contracts';
import { matcherConditions, validateMatchers } from './matchers';

describe('matchers', () => {
  it('turns each operator into SQL on the labels (missing = "") or on the node id', () => {
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
      `s.labels @> $11::jsonb`,
      `coalesce(s.labels ->> $1, '') = $2`,
      `s.node_id = $3`,
      `coalesce(s.labels ->> $4, '') <> $5`,
      `coalesce(s.labels ->> $6, '') ~ $7`,
      `s.node_id !~ $8`,
      `coalesce(s.labels ->> $9, '') = $10`,
    ]);
    expect(params).toEqual([
      'mount',
      '/',
      'n1',
      'device',
      'lo',
      'cpu',
      '^(?:1|2)$',
      '^(?:test-.*)$',
      'fs',
      '',
      '{"mount":"/"}',
    ]);
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
  });
});
