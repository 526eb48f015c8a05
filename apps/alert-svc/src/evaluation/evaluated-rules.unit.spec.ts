import { AlertRule, type AlertRuleInput, type RuleView } from '@vigil/contracts';
import { evaluated } from './alert-evaluation';

const view = (rule: AlertRule, invalid?: string): RuleView => ({
  rule,
  ...(invalid === undefined ? {} : { invalid }),
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: 'user:a',
});
const rule = (id: string) => AlertRule.parse({ id, name: 'X', severity: 'info', kind: 'offline' } as AlertRuleInput);

describe('the rules the evaluator takes', () => {
  it('takes a stored rule the contract refuses today as disabled, and the others as they are', () => {
    const rules = evaluated([view(rule('ok')), view(rule('legacy'), 'matchers.0.value: invalid regular expression')]);
    expect([...rules.values()].map((r) => [r.id, r.enabled])).toEqual([
      ['ok', true],
      ['legacy', false],
    ]);
  });
});
