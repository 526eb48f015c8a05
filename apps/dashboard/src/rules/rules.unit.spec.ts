import { AlertRule, type AlertRuleInput, type RuleView } from '@vigil/contracts';
import { durationText, formOf, type Rule, ruleOf, ruleProblems, selectRules } from './rules';

/** A rule as the API lists it (durations in ms, defaults filled in). */
const stored = (input: AlertRuleInput): Rule => AlertRule.parse(input);
const view = (rule: Rule): RuleView => ({
  rule,
  version: 1,
  createdAt: '2026-12-07T00:00:00.000Z',
  updatedAt: '2026-12-07T00:00:00.000Z',
  updatedBy: 'user:ana',
});

const cpu = stored({
  id: 'high-cpu',
  name: 'HighCPU',
  kind: 'threshold',
  severity: 'warning',
  metric: 'node_cpu_usage_percent',
  matchers: [
    { label: 'cpu', op: '=', value: '' },
    { label: 'mount', op: '!~', value: '/boot.*' },
  ],
  op: '>',
  value: 90,
  window: { aggregate: 'avg', duration: '5m' },
  for: '5m',
  keepFiringFor: '90s',
  labels: { team: 'ops' },
  annotations: { summary: 'CPU {{ $value }} on {{ $labels.node }}' },
});
const gpuDown = stored({
  id: 'gpu-down',
  name: 'GPUDown',
  kind: 'absent',
  severity: 'critical',
  metric: 'node_gpu_temperature_celsius',
  by: ['node', 'gpu'],
  for: '3m',
  enabled: false,
});
const nodeDown = stored({
  id: 'node-down',
  name: 'NodeDown',
  kind: 'offline',
  severity: 'critical',
  for: '2m',
  nodeLabels: { env: 'prod' },
});
const backupFailed = stored({
  id: 'backup-failed',
  name: 'BackupFailed',
  kind: 'event',
  severity: 'warning',
  on: 'backup.failed',
  resolvedBy: 'backup.succeeded',
});
const backupMissing = stored({
  id: 'backup-missing',
  name: 'BackupMissing',
  kind: 'missing',
  severity: 'info',
  event: 'backup.succeeded',
  for: '26h',
});

describe('the rules view', () => {
  const collator = new Intl.Collator('en');
  const all = [cpu, gpuDown, nodeDown, backupFailed, backupMissing].map(view);

  it('filters by kind, state and words in the id, name, metric and labels, sorted by name', () => {
    const ids = (q: string, kind?: Rule['kind'], state?: 'enabled' | 'disabled') =>
      selectRules(all, { q, kind, state }, collator).map((v) => v.rule.id);
    expect(ids('')).toEqual(['backup-failed', 'backup-missing', 'gpu-down', 'high-cpu', 'node-down']);
    expect(ids('', 'absent')).toEqual(['gpu-down']);
    expect(ids('', undefined, 'disabled')).toEqual(['gpu-down']);
    expect(ids('backup')).toEqual(['backup-failed', 'backup-missing']);
    expect(ids('team=ops cpu')).toEqual(['high-cpu']);
    expect(ids('GPU memory')).toEqual([]);
    expect(ids('GPU temperature')).toEqual(['gpu-down']);
    expect(ids('node_gpu')).toEqual(['gpu-down']);
  });

  it('writes durations as rules files do', () => {
    expect([0, 300_000, 90_000, 93_600_000, 1500].map(durationText)).toEqual(['0', '5m', '90s', '26h', '1500']);
  });

  it('edits every kind and gives back the same rule', () => {
    for (const rule of [cpu, gpuDown, nodeDown, backupFailed, backupMissing]) {
      const { rule: back, problems } = ruleOf(formOf(rule, 'threshold'));
      expect([rule.id, problems]).toEqual([rule.id, []]);
      expect(AlertRule.parse(back)).toEqual(rule);
    }
  });

  it('starts a new rule of the kind asked, with its default grouping', () => {
    expect(formOf(undefined, 'absent')).toMatchObject({ kind: 'absent', by: 'node', enabled: true, id: '' });
    expect(formOf(undefined, 'missing')).toMatchObject({ kind: 'missing', by: 'job' });
  });

  it('names the lines it cannot read, and leaves the rest to the API', () => {
    const form = {
      ...formOf(cpu, 'threshold'),
      value: 'ninety',
      labels: 'team=ops\nnot a pair',
      matchers: 'cpu=""\n= nothing',
      for: '5 minutes',
    };
    const { rule, problems } = ruleOf(form);
    expect(problems.map((p) => p.field)).toEqual(['labels', 'value', 'matchers']);
    // The duration is the API's to judge.
    expect(rule).toMatchObject({ for: '5 minutes' });
    expect(ruleOf({ ...formOf(cpu, 'threshold'), for: '60000' }).rule).toMatchObject({ for: 60000 });
  });

  it('shows the problems the API names by the form’s fields', () => {
    expect(
      ruleProblems('invalid request: rule.for: invalid duration "5 minutes"', [
        { path: ['rule', 'for'], message: 'invalid duration "5 minutes"' },
        { path: ['rule', 'matchers', 0, 'value'], message: 'invalid regular expression' },
        { path: ['rule', 'window', 'duration'], message: 'must be at least 1s' },
        { path: ['rule'], message: 'bad' },
      ]),
    ).toEqual([
      { field: 'for', message: 'invalid duration "5 minutes"' },
      { field: 'matchers', message: 'invalid regular expression' },
      { field: 'window', message: 'must be at least 1s' },
      { field: 'form', message: 'bad' },
    ]);
    expect(
      ruleProblems('invalid request: rule.name: must be a letter; rule.value: must be a finite number', undefined),
    ).toEqual([
      { field: 'name', message: 'must be a letter' },
      { field: 'value', message: 'must be a finite number' },
    ]);
    expect(ruleProblems('rule cpu: annotation summary: unknown variable $nope', undefined)).toEqual([
      { field: 'annotations', message: 'summary: unknown variable $nope' },
    ]);
    expect(ruleProblems('the rule\'s id "a" is not the one in the path ("b")', undefined)).toEqual([
      { field: 'form', message: 'the rule\'s id "a" is not the one in the path ("b")' },
    ]);
  });
});
