import { AlertRule, type AlertRuleInput, type ThresholdRule } from '@vigil/contracts';
import { deciderSpec } from '@vigil/test-support';
import { ruleDecider } from './rule.decider';
import { ruleDifferences } from './rule-diff';

const rule = (over: Partial<AlertRuleInput> = {}) =>
  AlertRule.parse({
    id: 'high-cpu',
    name: 'HighCPU',
    kind: 'threshold',
    severity: 'warning',
    metric: 'node_cpu_usage_percent',
    matchers: [{ label: 'cpu', op: '=', value: '' }],
    op: '>',
    value: 90,
    for: '5m',
    labels: { team: 'ops', tier: 'infra' },
    ...over,
  } as AlertRuleInput);

/** given(events).when(command).then(events) */
const { given } = deciderSpec(ruleDecider, {
  subject: 'rule.high-cpu',
  occurredAt: '2026-12-03T10:00:00.000Z',
  actor: 'user:ana',
});

const created = { type: 'rule.created', data: { rule: rule() } } as const;

describe('rule decider', () => {
  it('creates a rule, with its durations in milliseconds', () => {
    given().when({ type: 'UpsertRule', rule: rule() }).then([created]);
    expect((rule() as ThresholdRule).for).toBe(300_000);
  });

  it('updates a changed rule and records nothing for the same rule (label order does not matter)', () => {
    given(created)
      .when({ type: 'UpsertRule', rule: rule({ value: 95 }) })
      .then([{ type: 'rule.updated', data: { rule: rule({ value: 95 }) } }]);
    given(created)
      .when({ type: 'UpsertRule', rule: rule({ labels: { tier: 'infra', team: 'ops' } }) })
      .then([]);
    given(created)
      .when({ type: 'UpsertRule', rule: rule({ for: 300_000 }) })
      .then([]);
  });

  it('enables and disables once, and refuses unknown or deleted rules', () => {
    given(created)
      .when({ type: 'DisableRule', ruleId: 'high-cpu' })
      .then([{ type: 'rule.disabled', data: { ruleId: 'high-cpu' } }]);
    given(created, { type: 'rule.disabled', data: { ruleId: 'high-cpu' } })
      .when({ type: 'DisableRule', ruleId: 'high-cpu' })
      .then([]);
    given(created, { type: 'rule.disabled', data: { ruleId: 'high-cpu' } })
      .when({ type: 'EnableRule', ruleId: 'high-cpu' })
      .then([{ type: 'rule.enabled', data: { ruleId: 'high-cpu' } }]);
    given(created).when({ type: 'EnableRule', ruleId: 'high-cpu' }).then([]);
    given()
      .when({ type: 'EnableRule', ruleId: 'high-cpu' })
      .thenThrows(/no alert rule "high-cpu"/);
    given(created, { type: 'rule.deleted', data: { ruleId: 'high-cpu' } })
      .when({ type: 'DisableRule', ruleId: 'high-cpu' })
      .thenThrows(/no alert rule/);
  });

  it('deletes once; a deleted rule can be created again', () => {
    const deleted = { type: 'rule.deleted', data: { ruleId: 'high-cpu' } } as const;
    given(created).when({ type: 'DeleteRule', ruleId: 'high-cpu' }).then([deleted]);
    given(created, deleted).when({ type: 'DeleteRule', ruleId: 'high-cpu' }).then([]);
    given()
      .when({ type: 'DeleteRule', ruleId: 'high-cpu' })
      .thenThrows(/no alert rule/);
    given(created, deleted).when({ type: 'UpsertRule', rule: rule() }).then([created]);
  });

  it('names the fields two rules differ in', () => {
    expect(ruleDifferences(rule(), rule({ value: 95, for: '10m', annotations: { summary: 'x' } }))).toEqual([
      'annotations',
      'for',
      'value',
    ]);
    expect(ruleDifferences(rule(), rule({ window: { aggregate: 'avg', duration: '1m' } }))).toEqual(['window']);
  });
});
