import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ruleOperations } from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { repoRoot } from '@vigil/test-support';
import { parse, stringify } from 'yaml';
import { TestPlatform } from './platform';

const platform = new TestPlatform();
const list = async () =>
  (await requestQuery(platform.bus.nc, platform.bus.topology, ruleOperations.list, {}, 15_000)).rules;

/** `vigil rules …` as an operator runs it (NATS user `admin`), against this suite's NATS prefix. */
function vigil(...args: string[]) {
  const r = spawnSync(
    join(repoRoot, 'node_modules', '.bin', 'node'),
    [join(repoRoot, 'tools', 'vigil', 'vigil.js'), 'rules', ...args],
    {
      env: { ...process.env, ...platform.nats.env('admin'), VIGIL_NATS_PREFIX: platform.bus.topology.prefix },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return { status: r.status, out: r.stdout + r.stderr };
}

beforeAll(async () => {
  await platform.setup();
  await platform.startAlert();
}, 60_000);
afterAll(() => platform.teardown(), 30_000);

describe('the default rule pack and the vigil CLI against alert-svc', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
  const packFile = join(repoRoot, 'apps', 'alert-svc', 'src', 'rules', 'default-rules.yaml');

  it('installs the default pack at first start, as alert-svc', async () => {
    const rules = await list();
    expect(rules.map((r) => r.rule.id)).toEqual([
      'agent-offline',
      'backup-failed',
      'backup-missing',
      'disk-space-critical',
      'disk-space-low',
      'gpu-down',
      'gpu-memory-full',
      'gpu-temperature-critical',
      'gpu-temperature-high',
      'high-cpu',
      'high-memory',
      'node-down',
      'restore-drill-failed',
      'restore-time-regressed',
    ]);
    expect(new Set(rules.map((r) => r.updatedBy))).toEqual(new Set(['service:alert-svc']));
    expect(rules.find((r) => r.rule.id === 'high-cpu')?.rule).toMatchObject({
      kind: 'threshold',
      metric: 'node_cpu_usage_percent',
      op: '>',
      value: 90,
      for: 300_000,
    });
  });

  it('checks a file offline, naming the line; diffs and applies an edited pack; a deleted default stays deleted after a restart', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'rules:\n  - id: x\n    name: X\n    kind: threshold\n    severity: warning\n    metric: m\n    op: ">"\n    value: 1\n    for: 5 minutes\n',
    );
    const checked = vigil('check', '-f', bad);
    expect(checked.status).toBe(1);
    expect(checked.out).toMatch(/bad\.yaml:9:\d+: rules\[0\] \(x\): for: invalid duration "5 minutes"/);

    // The operator's copy of the pack: HighCPU at 95 %, GPU rules dropped.
    const pack = parse(readFileSync(packFile, 'utf8')) as { rules: { id: string; value?: number }[] };
    const edited = {
      rules: pack.rules
        .filter((r) => !r.id.startsWith('gpu-'))
        .map((r) => (r.id === 'high-cpu' ? { ...r, value: 95 } : r)),
    };
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, stringify(edited));
    expect(vigil('check', '-f', file).status).toBe(0);

    const diff = vigil('diff', '-f', file, '--prune');
    expect(diff.status).toBe(0);
    expect(diff.out).toMatch(/~ update high-cpu \(value\)/);
    for (const id of ['gpu-down', 'gpu-memory-full', 'gpu-temperature-critical', 'gpu-temperature-high'])
      expect(diff.out).toContain(`- delete ${id}`);
    expect((await list()).find((r) => r.rule.id === 'high-cpu')?.rule).toMatchObject({ value: 90 });

    const applied = vigil('apply', '-f', file, '--prune', '--yes');
    expect(applied.status).toBe(0);
    const after = await list();
    expect(after.find((r) => r.rule.id === 'high-cpu')).toMatchObject({ rule: { value: 95 }, version: 2 });
    expect(after.find((r) => r.rule.id === 'high-cpu')?.updatedBy).toMatch(/^cli:/);
    expect(after.some((r) => r.rule.id.startsWith('gpu-'))).toBe(false);

    // A restart installs the pack again only where a rule never existed.
    await platform.processes.at(-1)!.stop();
    await platform.startAlert();
    const restarted = await list();
    expect(restarted.map((r) => r.rule.id)).toEqual(after.map((r) => r.rule.id));
    expect(restarted.find((r) => r.rule.id === 'high-cpu')?.rule).toMatchObject({ value: 95 });
    expect(vigil('diff', '-f', file, '--prune').out).toMatch(/= unchanged 10 rules/);
  }, 60_000);
});
