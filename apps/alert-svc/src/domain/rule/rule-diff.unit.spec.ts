import { AlertRule, type AlertRuleInput, ValidationError } from '@vigil/contracts';
import { diffRules } from './rule-diff';

/** The threshold member of the union, so spreads of test rules keep their type. */
const ThresholdRule = AlertRule.options[0];

type Threshold = Extract<AlertRule, { kind: 'threshold' }>;
const rule = (input: Partial<AlertRuleInput> & { id: string }): Threshold =>
  ThresholdRule.parse({
    name: 'HighCPU',
    kind: 'threshold',
    metric: 'node_cpu_usage_percent',
    op: '>',
    value: 90,
    for: '5m',
    severity: 'warning',
    ...input,
  });

const cpu = rule({ id: 'high-cpu', labels: { team: 'infra', tier: 'x' }, annotations: { summary: 's' } });
const disk = rule({ id: 'disk', name: 'Disk', metric: 'node_filesystem_used_ratio', value: 0.85 });
const gpuDown = (by: string[]) =>
  AlertRule.parse({
    id: 'gpu-down',
    name: 'GPUDown',
    kind: 'absent',
    metric: 'node_gpu_temperature_celsius',
    by,
    for: '3m',
    severity: 'critical',
  });
const down = AlertRule.options[2].parse({
  id: 'node-down',
  name: 'NodeDown',
  kind: 'offline',
  for: '2m',
  severity: 'critical',
});

describe('diffRules', () => {
  it.each<[string, AlertRule[], AlertRule[], boolean, [string, string, string[]?][]]>([
    [
      'creates what is new',
      [],
      [cpu, disk],
      false,
      [
        ['high-cpu', 'create'],
        ['disk', 'create'],
      ],
    ],
    [
      'leaves equal rules unchanged',
      [cpu, disk],
      [cpu, disk],
      false,
      [
        ['high-cpu', 'unchanged'],
        ['disk', 'unchanged'],
      ],
    ],
    [
      'lists the fields that differ',
      [disk],
      [{ ...disk, value: 0.9, for: 600_000 }],
      false,
      [['disk', 'update', ['for', 'value']]],
    ],
    [
      'sees nested differences as their top-level field',
      [cpu],
      [{ ...cpu, labels: { team: 'db', tier: 'x' } }],
      false,
      [['high-cpu', 'update', ['labels']]],
    ],
    [
      'ignores key order in objects',
      [cpu],
      [{ ...cpu, labels: { tier: 'x', team: 'infra' } }],
      false,
      [['high-cpu', 'unchanged']],
    ],
    [
      'counts array order',
      [gpuDown(['node', 'gpu'])],
      [gpuDown(['gpu', 'node'])],
      false,
      [['gpu-down', 'update', ['by']]],
    ],
    ['disables when only enabled changes', [cpu], [{ ...cpu, enabled: false }], false, [['high-cpu', 'disable']]],
    ['enables when only enabled changes', [{ ...cpu, enabled: false }], [cpu], false, [['high-cpu', 'enable']]],
    [
      'updates when enabled changes with more',
      [cpu],
      [{ ...cpu, enabled: false, value: 95 }],
      false,
      [['high-cpu', 'update', ['enabled', 'value']]],
    ],
    [
      'lists every field of a kind change',
      [{ ...down, id: 'high-cpu' }],
      [cpu],
      false,
      [
        [
          'high-cpu',
          'update',
          ['annotations', 'for', 'kind', 'labels', 'matchers', 'metric', 'name', 'op', 'severity', 'value'],
        ],
      ],
    ],
    ['leaves rules the file lacks alone without prune', [cpu, down], [cpu], false, [['high-cpu', 'unchanged']]],
    [
      'deletes them with prune, by id',
      [down, disk, cpu],
      [cpu],
      true,
      [
        ['high-cpu', 'unchanged'],
        ['disk', 'delete'],
        ['node-down', 'delete'],
      ],
    ],
    ['deletes everything for an empty file with prune', [cpu], [], true, [['high-cpu', 'delete']]],
  ])('%s', (_what, current, desired, prune, expected) => {
    expect(diffRules(current, desired, prune)).toEqual(
      expected.map(([ruleId, change, fields]) => ({ ruleId, change, fields: fields ?? [] })),
    );
  });

  it('compares normalized rules: defaults filled in, durations in ms', () => {
    const stored = { ...down } as Record<string, unknown>;
    delete stored.labels;
    delete stored.keepFiringFor;
    expect(diffRules([stored as AlertRule], [{ ...down, for: '2m' as unknown as number }], false)).toEqual([
      { ruleId: 'node-down', change: 'unchanged', fields: [] },
    ]);
  });

  it('refuses duplicate ids in the desired rules', () => {
    expect(() => diffRules([], [cpu, cpu], false)).toThrow(ValidationError);
  });
});
