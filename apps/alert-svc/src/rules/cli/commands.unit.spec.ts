import { AlertRule, type ApplyRulesReply, type ApplyRulesRequest, RuleFile } from '@vigil/contracts';
import { parse } from 'yaml';
import { diffRules } from '../../domain/rule/rule-diff';
import { type CliIo, runApply, runCheck, runDiff, type RulesService } from './commands';

const fileA = `rules:
  - id: high-cpu
    name: HighCPU
    kind: threshold
    metric: node_cpu_usage_percent
    op: ">"
    value: 90
    for: 5m
    severity: warning
  - id: node-down
    name: NodeDown
    kind: offline
    severity: critical
`;
const fileB = `rules:
  - { id: backup-failed, name: BackupFailed, kind: event, "on": backup.failed, severity: critical }
`;
const broken = fileA.replace('for: 5m', 'for: 5 minutes');

/** Captures output; files come from a table, a missing one fails like the file system would. */
function testIo(files: Record<string, string>, answer?: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readFile: (f) => {
      if (!(f in files)) throw new Error(`ENOENT: no such file or directory, open '${f}'`);
      return files[f];
    },
    ...(answer !== undefined && {
      confirm: async (q: string) => {
        questions.push(q);
        return answer;
      },
    }),
  };
  return { io, out, err, questions };
}

/** alert-svc's apply as the contract describes it, over rules kept in memory, recording each request. */
function memoryService(current: AlertRule[]): RulesService & { rules: AlertRule[]; requests: ApplyRulesRequest[] } {
  const service = {
    rules: current,
    requests: [] as ApplyRulesRequest[],
    async apply(request: ApplyRulesRequest): Promise<ApplyRulesReply> {
      service.requests.push(request);
      const desired = request.rules.map((r) => AlertRule.parse(r));
      const changes = diffRules(service.rules, desired, request.prune ?? false);
      if (request.dryRun) return { changes, applied: false };
      const kept = request.prune ? [] : service.rules.filter((r) => !desired.some((d) => d.id === r.id));
      service.rules = [...kept, ...desired];
      return { changes, applied: true };
    },
  };
  return service;
}

const rulesOf = (text: string) => RuleFile.parse(parse(text)).rules;
const oldRule = AlertRule.parse({ id: 'old-rule', name: 'Old', kind: 'offline', severity: 'info' });
const actor = 'cli:ops@host';

describe('runCheck', () => {
  it('passes valid files with a summary', () => {
    const t = testIo({ 'a.yaml': fileA, 'b.yaml': fileB });
    expect(runCheck(['a.yaml', 'b.yaml'], t.io)).toBe(0);
    expect(t.out).toEqual(['ok: 3 rules in 2 files']);
  });

  it('names the file, line, rule and field of each problem, and fails', () => {
    const t = testIo({ 'a.yaml': broken, 'b.yaml': fileB });
    expect(runCheck(['a.yaml', 'b.yaml'], t.io)).toBe(1);
    expect(t.out).toEqual([
      'a.yaml:8:10: rules[0] (high-cpu): for: invalid duration "5 minutes" (use e.g. 30s, 5m, 1h30m, or whole milliseconds)',
      '1 problem in 1 of 2 files',
    ]);
  });

  it('reports a file it cannot read', () => {
    const t = testIo({ 'a.yaml': fileA });
    expect(runCheck(['a.yaml', 'gone.yaml'], t.io)).toBe(1);
    expect(t.out[0]).toMatch(/^gone\.yaml: cannot read: ENOENT/);
  });

  it('refuses a rule id given in two files', () => {
    const t = testIo({ 'a.yaml': fileA, 'c.yaml': fileA });
    expect(runCheck(['a.yaml', 'c.yaml'], t.io)).toBe(1);
    expect(t.out).toContain('c.yaml:2:1: rules[0] (high-cpu): id: duplicate rule id "high-cpu" (also in a.yaml:2)');
  });
});

describe('runDiff', () => {
  it("sends a dry run of every file's rules and prints the changes", async () => {
    const service = memoryService([AlertRule.parse({ ...rulesOf(fileA)[0], value: 80 }), oldRule]);
    const t = testIo({ 'a.yaml': fileA, 'b.yaml': fileB });
    expect(await runDiff({ files: ['a.yaml', 'b.yaml'], prune: true, actor }, t.io, service)).toBe(0);
    expect(service.requests).toEqual([
      { rules: rulesOf(fileA).concat(rulesOf(fileB)), prune: true, dryRun: true, actor },
    ]);
    expect(t.out).toEqual([
      '~ update high-cpu (value)',
      '+ create node-down',
      '+ create backup-failed',
      '- delete old-rule',
      '2 to create, 1 to update, 1 to delete',
    ]);
    expect(service.rules).toContain(oldRule);
  });

  it('sends nothing when a file is invalid', async () => {
    const service = memoryService([]);
    const t = testIo({ 'a.yaml': broken });
    expect(await runDiff({ files: ['a.yaml'], prune: false, actor }, t.io, service)).toBe(1);
    expect(service.requests).toEqual([]);
    expect(t.err[t.err.length - 1]).toBe('1 problem: nothing sent to alert-svc (see vigil rules check)');
  });
});

describe('runApply', () => {
  const opts = { files: ['a.yaml'], prune: true, actor };

  it('applies with --yes after showing the diff', async () => {
    const service = memoryService([oldRule]);
    const t = testIo({ 'a.yaml': fileA });
    expect(await runApply({ ...opts, yes: true }, t.io, service)).toBe(0);
    expect(service.requests.map((r) => r.dryRun)).toEqual([true, false]);
    expect(service.rules.map((r) => r.id)).toEqual(['high-cpu', 'node-down']);
    expect(t.out).toEqual([
      '+ create high-cpu',
      '+ create node-down',
      '- delete old-rule',
      '2 to create, 1 to delete',
      'applied: 2 created, 1 deleted',
    ]);
  });

  it('asks on a terminal and applies on yes', async () => {
    const service = memoryService([]);
    const t = testIo({ 'a.yaml': fileA }, true);
    expect(await runApply({ ...opts, yes: false }, t.io, service)).toBe(0);
    expect(t.questions).toEqual(['Apply these changes? [y/N] ']);
    expect(service.rules).toHaveLength(2);
  });

  it('applies nothing on no', async () => {
    const service = memoryService([oldRule]);
    const t = testIo({ 'a.yaml': fileA }, false);
    expect(await runApply({ ...opts, yes: false }, t.io, service)).toBe(1);
    expect(service.requests.map((r) => r.dryRun)).toEqual([true]);
    expect(service.rules).toEqual([oldRule]);
    expect(t.err).toEqual(['not applied']);
  });

  it('applies nothing without a terminal or --yes', async () => {
    const service = memoryService([]);
    const t = testIo({ 'a.yaml': fileA });
    expect(await runApply({ ...opts, yes: false }, t.io, service)).toBe(1);
    expect(service.requests).toHaveLength(1);
    expect(t.err).toEqual(['not applied: no terminal to confirm on; pass --yes to apply']);
  });

  it('neither asks nor applies when nothing changes', async () => {
    const service = memoryService(rulesOf(fileA));
    const t = testIo({ 'a.yaml': fileA }, true);
    expect(await runApply({ ...opts, yes: false }, t.io, service)).toBe(0);
    expect(t.questions).toEqual([]);
    expect(service.requests).toHaveLength(1);
    expect(t.out).toEqual(['= unchanged 2 rules', 'no changes']);
  });

  it('says so when the rules changed between the diff and the apply', async () => {
    const service = memoryService([]);
    const t = testIo({ 'a.yaml': fileA }, true);
    const confirm = t.io.confirm;
    t.io.confirm = async (q) => {
      service.rules = [oldRule];
      return confirm ? confirm(q) : false;
    };
    expect(await runApply({ ...opts, yes: false }, t.io, service)).toBe(0);
    expect(t.out.slice(3)).toEqual([
      'the rules changed since the diff; what was applied:',
      '+ create high-cpu',
      '+ create node-down',
      '- delete old-rule',
      'applied: 2 created, 1 deleted',
    ]);
  });

  it('fails when alert-svc reports it did not apply', async () => {
    const service = memoryService([]);
    const refusing: RulesService = { apply: async (r) => ({ ...(await service.apply(r)), applied: false }) };
    const t = testIo({ 'a.yaml': fileA });
    expect(await runApply({ ...opts, yes: true }, t.io, refusing)).toBe(1);
    expect(t.err).toEqual(['alert-svc did not apply the changes']);
  });
});
