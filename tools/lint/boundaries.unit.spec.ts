import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * Proves the module-boundary rules of eslint.config.mjs bite: each probe is linted as if it were a
 * file at `filePath`, with the real workspace config and project graph.
 */
interface Probe {
  name: string;
  filePath: string;
  text: string;
  /** The rule expected to report it (violations only). */
  rule?: string;
}
interface LintMessage {
  ruleId: string | null;
  severity: number;
  message: string;
}

const root = resolve(__dirname, '../..');
const nxRule = '@nx/enforce-module-boundaries';
const importRule = 'no-restricted-imports';
const boundaryRules = [nxRule, importRule];

const violations: Probe[] = [
  {
    name: 'an app reaching into another app by relative path',
    filePath: 'apps/gateway/src/probe.ts',
    text: "import { x } from '../../registry-svc/src/x';\nexport const y = x;\n",
    rule: nxRule,
  },
  {
    name: 'an app importing another app by package name',
    filePath: 'apps/gateway/src/probe.ts',
    text: "import { x } from '@vigil/registry-svc';\nexport const y = x;\n",
    rule: importRule,
  },
  {
    name: 'an app importing itself by package name',
    filePath: 'apps/gateway/src/probe.ts',
    text: "import { x } from '@vigil/gateway';\nexport const y = x;\n",
    rule: importRule,
  },
  {
    name: 'a library importing an app by relative path',
    filePath: 'libs/telemetry/src/probe.ts',
    text: "import { x } from '../../../apps/gateway/src/x';\nexport const y = x;\n",
    rule: nxRule,
  },
  {
    name: 'a deep import into a library',
    filePath: 'apps/gateway/src/probe.ts',
    text: "import { x } from '@vigil/contracts/src/x';\nexport const y = x;\n",
    rule: importRule,
  },
  {
    name: 'the contracts depending on another library',
    filePath: 'libs/contracts/src/probe.ts',
    text: "import { x } from '@vigil/telemetry';\nexport const y = x;\n",
    rule: nxRule,
  },
  {
    name: 'production code using the test kit',
    filePath: 'apps/gateway/src/probe.ts',
    text: "import { x } from '@vigil/test-support';\nexport const y = x;\n",
    rule: nxRule,
  },
];

const allowed: Probe[] = [
  {
    name: 'an app using the contracts',
    filePath: 'apps/gateway/src/probe.ts',
    text: "import { z } from '@vigil/contracts';\nexport const y = z;\n",
  },
  {
    name: 'a test using the test kit',
    filePath: 'apps/gateway/src/probe.unit.spec.ts',
    text: "import { x } from '@vigil/test-support';\nexport const y = x;\n",
  },
  {
    name: 'a relative import inside the project',
    filePath: 'apps/gateway/src/probe.ts',
    text: "import { x } from './config';\nexport const y = x;\n",
  },
];

const consoleProbe: Probe = {
  name: 'console',
  filePath: 'apps/registry-svc/src/probe.ts',
  text: "console.log('x');\n",
};

function lint(probes: Probe[]): LintMessage[][] {
  const env = { ...process.env };
  delete env.NX_TASK_TARGET_PROJECT; // make the config build a fresh project graph
  const child = spawnSync(process.execPath, [resolve(__dirname, 'lint-text.mjs')], {
    cwd: root,
    env,
    input: JSON.stringify(probes.map(({ filePath, text }) => ({ filePath, text }))),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (child.status !== 0) throw new Error(`lint-text.mjs exited with ${child.status}:\n${child.stderr}`);
  return JSON.parse(child.stdout) as LintMessage[][];
}

const boundaryErrors = (messages: LintMessage[]) =>
  messages.filter((m) => m.severity === 2 && m.ruleId !== null && boundaryRules.includes(m.ruleId));

describe('module boundaries (eslint.config.mjs)', () => {
  let results: LintMessage[][];

  beforeAll(() => {
    results = lint([...violations, ...allowed, consoleProbe]);
  }, 120_000);

  it.each(violations.map((probe, i) => [probe.name, probe.rule, i] as const))('reports %s (%s)', (_name, rule, i) => {
    expect(boundaryErrors(results[i]).map((m) => m.ruleId)).toContain(rule);
  });

  it.each(allowed.map((probe, i) => [probe.name, violations.length + i] as const))('allows %s', (_name, i) => {
    expect(boundaryErrors(results[i])).toEqual([]);
  });

  it('forbids console output in service code', () => {
    const messages = results[violations.length + allowed.length];
    expect(messages.map((m) => [m.ruleId, m.severity])).toContainEqual(['no-console', 2]);
  });
});
