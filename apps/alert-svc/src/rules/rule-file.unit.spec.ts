import { formatProblem, parseRuleFile, parseRuleFiles } from './rule-file';

const valid = `rules:
  - id: high-cpu
    name: HighCPU
    kind: threshold
    metric: node_cpu_usage_percent
    op: ">"
    value: 90
    for: 5m
    severity: warning
    annotations:
      summary: "CPU {{ $value | printf \\"%.1f\\" }}%"
  - id: node-down
    name: NodeDown
    kind: offline
    severity: critical
`;

describe('parseRuleFile', () => {
  it('parses a valid file into rules with defaults and their lines', () => {
    const parsed = parseRuleFile(valid, 'rules.yaml');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rules.map((r) => [r.rule.id, r.index, r.line])).toEqual([
      ['high-cpu', 0, 2],
      ['node-down', 1, 12],
    ]);
    expect(parsed.rules[0].rule).toMatchObject({ for: 300_000, matchers: [], enabled: true, keepFiringFor: 0 });
  });

  it.each([
    [
      'a bad duration, at its value',
      valid.replace('for: 5m', 'for: 5x'),
      [
        {
          line: 8,
          column: 10,
          rule: { index: 0, id: 'high-cpu' },
          path: 'for',
          message: 'invalid duration "5x" (use e.g. 30s, 5m, 1h30m, or whole milliseconds)',
        },
      ],
    ],
    [
      'a wrong type',
      valid.replace('value: 90', 'value: high'),
      [
        {
          line: 7,
          column: 12,
          rule: { index: 0, id: 'high-cpu' },
          path: 'value',
          message: 'Invalid input: expected number, received string',
        },
      ],
    ],
    [
      'an unknown field, at its key',
      valid.replace('    severity: critical', '    severity: critical\n    sevrity: info'),
      [
        {
          line: 16,
          column: 5,
          rule: { index: 1, id: 'node-down' },
          path: 'sevrity',
          message: 'unknown field "sevrity"',
        },
      ],
    ],
    [
      'a missing field, at the rule',
      valid.replace('    name: NodeDown\n', ''),
      [
        {
          line: 12,
          column: 5,
          rule: { index: 1, id: 'node-down' },
          path: 'name',
          message: 'Invalid input: expected string, received undefined',
        },
      ],
    ],
    [
      'an unknown kind',
      valid.replace('kind: offline', 'kind: ofline'),
      [
        {
          line: 14,
          column: 11,
          rule: { index: 1, id: 'node-down' },
          path: 'kind',
          message: expect.stringContaining("'threshold' | 'absent' | 'offline'"),
        },
      ],
    ],
    [
      'a duplicate id',
      valid.replace('id: node-down', 'id: high-cpu'),
      [
        {
          line: 12,
          column: 9,
          rule: { index: 1, id: 'high-cpu' },
          path: 'id',
          message: 'duplicate rule id "high-cpu" (also rules.0)',
        },
      ],
    ],
    [
      'an unknown template variable',
      valid.replace('$value | printf', '$valeu | printf'),
      [
        {
          line: 11,
          column: 16,
          rule: { index: 0, id: 'high-cpu' },
          path: 'annotations.summary',
          message: expect.stringContaining('unknown variable "$valeu"'),
        },
      ],
    ],
    [
      'a YAML syntax error',
      'rules:\n  - id: a\n   name: b\n',
      [{ line: 3, column: 1, path: '', message: expect.stringMatching(/\S/) }],
    ],
    [
      'no rules key',
      'rule: []\n',
      [{ path: 'rules' }, { path: 'rule', message: 'unknown field "rule"', line: 1, column: 1 }],
    ],
    ['an empty file', '', [{ path: '', message: 'Invalid input: expected object, received null' }]],
  ])('reports %s', (_what, text, expected) => {
    const parsed = parseRuleFile(text, 'rules.yaml');
    expect(parsed.rules).toEqual([]);
    expect(parsed.problems).toEqual(expected.map((e) => expect.objectContaining({ file: 'rules.yaml', ...e })));
  });

  it('reports every problem of every rule', () => {
    const text = valid
      .replace('for: 5m', 'for: soon')
      .replace('severity: critical', 'severity: page')
      .replace('{{ $value', '{{ $v');
    const parsed = parseRuleFile(text, 'r.yaml');
    expect(parsed.problems.map((p) => `${p.rule?.id}.${p.path}`)).toEqual([
      'high-cpu.for',
      'high-cpu.annotations.summary',
      'node-down.severity',
    ]);
  });
});

describe('formatProblem', () => {
  it.each([
    [
      { file: 'a.yaml', line: 3, column: 7, rule: { index: 2, id: 'x' }, path: 'for', message: 'bad' },
      'a.yaml:3:7: rules[2] (x): for: bad',
    ],
    [{ file: 'a.yaml', rule: { index: 0 }, path: 'id', message: 'missing' }, 'a.yaml: rules[0]: id: missing'],
    [{ file: 'a.yaml', line: 1, path: '', message: 'syntax' }, 'a.yaml:1:1: syntax'],
  ])('%p → %p', (problem, text) => {
    expect(formatProblem(problem)).toBe(text);
  });
});

describe('parseRuleFiles', () => {
  it('merges files', () => {
    const other =
      'rules:\n  - { id: backup-failed, name: BackupFailed, kind: event, "on": backup.failed, severity: critical }\n';
    const merged = parseRuleFiles([
      { file: 'a.yaml', text: valid },
      { file: 'b.yaml', text: other },
    ]);
    expect(merged.problems).toEqual([]);
    expect(merged.rules.map((r) => r.id)).toEqual(['high-cpu', 'node-down', 'backup-failed']);
  });

  it('refuses an id given in two files, naming both', () => {
    const other =
      'rules:\n  - id: other\n    name: Other\n    kind: offline\n    severity: info\n  - { id: node-down, name: NodeDown, kind: offline, severity: info }\n';
    const merged = parseRuleFiles([
      { file: 'a.yaml', text: valid },
      { file: 'b.yaml', text: other },
    ]);
    expect(merged.rules).toEqual([]);
    expect(merged.problems.map(formatProblem)).toEqual([
      'b.yaml:6:1: rules[1] (node-down): id: duplicate rule id "node-down" (also in a.yaml:12)',
    ]);
  });

  it("passes each file's own problems on", () => {
    const merged = parseRuleFiles([
      { file: 'a.yaml', text: valid },
      { file: 'b.yaml', text: 'rules: 3\n' },
    ]);
    expect(merged.problems).toEqual([expect.objectContaining({ file: 'b.yaml', path: 'rules', line: 1, column: 8 })]);
  });
});
