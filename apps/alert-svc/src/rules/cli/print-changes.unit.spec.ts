import type { RuleChange } from '@vigil/contracts';
import { formatChanges, hasChanges, sameChanges, summarizeChanges } from './print-changes';

const c = (ruleId: string, change: RuleChange['change'], fields: string[] = []): RuleChange => ({
  ruleId,
  change,
  fields,
});

describe('formatChanges', () => {
  it('prints one line per change and counts the unchanged rules', () => {
    expect(
      formatChanges([
        c('high-cpu', 'create'),
        c('a', 'unchanged'),
        c('disk-space-low', 'update', ['value', 'for']),
        c('gpu-down', 'disable'),
        c('b', 'unchanged'),
        c('node-down', 'enable'),
        c('old-rule', 'delete'),
      ]),
    ).toEqual([
      '+ create high-cpu',
      '~ update disk-space-low (value, for)',
      '~ disable gpu-down',
      '~ enable node-down',
      '- delete old-rule',
      '= unchanged 2 rules',
    ]);
  });

  it.each<[RuleChange[], string[]]>([
    [[], []],
    [[c('a', 'unchanged')], ['= unchanged 1 rule']],
    [[c('a', 'update')], ['~ update a']],
  ])('%p → %p', (changes, lines) => {
    expect(formatChanges(changes)).toEqual(lines);
  });
});

describe('summarizeChanges', () => {
  const changes = [
    c('a', 'create'),
    c('b', 'create'),
    c('x', 'delete'),
    c('u', 'update', ['for']),
    c('n', 'unchanged'),
  ];
  it.each<[RuleChange[], boolean, string]>([
    [changes, false, '2 to create, 1 to update, 1 to delete'],
    [changes, true, '2 created, 1 updated, 1 deleted'],
    [[c('a', 'enable'), c('b', 'disable')], true, '1 enabled, 1 disabled'],
    [[c('a', 'unchanged')], false, 'no changes'],
    [[], true, 'no changes'],
  ])('%p (applied %p) → %p', (list, applied, text) => {
    expect(summarizeChanges(list, applied)).toBe(text);
  });
});

describe('hasChanges and sameChanges', () => {
  it('sees whether anything changes', () => {
    expect(hasChanges([c('a', 'unchanged')])).toBe(false);
    expect(hasChanges([c('a', 'unchanged'), c('b', 'delete')])).toBe(true);
  });

  it('compares change lists in any order, fields included', () => {
    expect(sameChanges([c('a', 'create'), c('b', 'delete')], [c('b', 'delete'), c('a', 'create')])).toBe(true);
    expect(sameChanges([c('a', 'update', ['for'])], [c('a', 'update', ['value'])])).toBe(false);
    expect(sameChanges([c('a', 'create')], [c('a', 'create'), c('b', 'create')])).toBe(false);
  });
});
