import { type AlertRule, RuleFile } from '@vigil/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadDefaultRules } from './default-rules';
import { DEFAULT_RULES_YAML } from './default-rules.embedded';
import { annotationProblems, renderTemplate } from '../domain/rule/templates';

const MIN = 60_000;

describe('default rule pack', () => {
  const rules = loadDefaultRules();
  const byName = new Map(rules.map((r) => [r.name, r]));

  it('ships exactly the YAML file (run embed-default-rules.js after editing it)', () => {
    expect(DEFAULT_RULES_YAML).toBe(readFileSync(join(__dirname, 'default-rules.yaml'), 'utf8'));
  });

  it('is a valid RuleFile with kebab-case ids and valid templates', () => {
    const file = RuleFile.parse(parse(DEFAULT_RULES_YAML));
    expect(file.rules).toEqual(rules);
    for (const r of rules) {
      expect(r.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(r.enabled).toBe(true);
      expect(Object.keys(r.annotations).sort()).toEqual(['description', 'summary']);
      expect(annotationProblems(r.annotations)).toEqual([]);
    }
  });

  type Expected = {
    kind: AlertRule['kind'];
    severity: string;
    for?: number;
    metric?: string;
    op?: string;
    value?: number;
    on?: string;
    resolvedBy?: string;
  };
  it.each<[string, Expected]>([
    ['NodeDown', { kind: 'offline', for: 2 * MIN, severity: 'critical' }],
    ['AgentOffline', { kind: 'offline', for: 5 * MIN, severity: 'warning' }],
    [
      'HighCPU',
      { kind: 'threshold', metric: 'node_cpu_usage_percent', op: '>', value: 90, for: 5 * MIN, severity: 'warning' },
    ],
    [
      'HighMemory',
      { kind: 'threshold', metric: 'node_memory_used_ratio', op: '>', value: 0.85, for: 5 * MIN, severity: 'warning' },
    ],
    [
      'DiskSpaceLow',
      {
        kind: 'threshold',
        metric: 'node_filesystem_used_ratio',
        op: '>',
        value: 0.85,
        for: 5 * MIN,
        severity: 'warning',
      },
    ],
    [
      'DiskSpaceCritical',
      {
        kind: 'threshold',
        metric: 'node_filesystem_used_ratio',
        op: '>',
        value: 0.95,
        for: 5 * MIN,
        severity: 'critical',
      },
    ],
    [
      'GPUTemperatureHigh',
      {
        kind: 'threshold',
        metric: 'node_gpu_temperature_celsius',
        op: '>',
        value: 85,
        for: 5 * MIN,
        severity: 'warning',
      },
    ],
    [
      'GPUTemperatureCritical',
      { kind: 'threshold', metric: 'node_gpu_temperature_celsius', op: '>', value: 95, for: MIN, severity: 'critical' },
    ],
    [
      'GPUMemoryFull',
      {
        kind: 'threshold',
        metric: 'node_gpu_memory_used_ratio',
        op: '>',
        value: 0.95,
        for: 5 * MIN,
        severity: 'warning',
      },
    ],
    ['GPUDown', { kind: 'absent', metric: 'node_gpu_temperature_celsius', for: 3 * MIN, severity: 'critical' }],
    ['BackupMissing', { kind: 'missing', for: 26 * 60 * MIN, severity: 'warning' }],
    ['BackupFailed', { kind: 'event', severity: 'critical' }],
    [
      'RestoreDrillFailed',
      { kind: 'event', on: 'backup.verification_failed', resolvedBy: 'backup.verified', severity: 'critical' },
    ],
    [
      'RestoreTimeRegressed',
      { kind: 'event', on: 'backup.rto_regressed', resolvedBy: 'backup.verified', severity: 'warning' },
    ],
  ])('has %s', (name, expected) => {
    const rule = byName.get(name);
    expect(rule).toMatchObject(expected);
  });

  it('has no rule beyond the listed ones', () => {
    expect(rules).toHaveLength(14);
  });

  it('watches only the all-CPU series for HighCPU', () => {
    expect(byName.get('HighCPU')).toMatchObject({ matchers: [{ label: 'cpu', op: '=', value: '' }] });
  });

  it('groups GPUDown by node and gpu, and the backup rules by job', () => {
    expect(byName.get('GPUDown')).toMatchObject({ by: ['node', 'gpu'] });
    expect(byName.get('BackupFailed')).toMatchObject({
      on: 'backup.failed',
      resolvedBy: 'backup.succeeded',
      by: ['job'],
    });
    expect(byName.get('BackupMissing')).toMatchObject({ event: 'backup.succeeded', by: ['job'] });
  });

  it('renders ratios as percentages', () => {
    const disk = byName.get('DiskSpaceLow');
    expect(
      renderTemplate(disk?.annotations.description ?? '', { labels: { mount: '/var' }, value: 0.873, node: 'n-1' }),
    ).toBe('Filesystem /var on n-1 is 87.3% full (above 85%).');
  });
});
