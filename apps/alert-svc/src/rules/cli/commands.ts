import type { AlertRule, ApplyRulesReply, ApplyRulesRequest } from '@vigil/contracts';
import { formatProblem, parseRuleFiles, type RuleFileProblem } from '../rule-file';
import { formatChanges, hasChanges, sameChanges, summarizeChanges } from './print-changes';

/** What the commands touch outside themselves, so tests can give their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** The file's text; throws when it cannot be read. */
  readFile(file: string): string;
  /** Asks a yes/no question; absent when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

/** The alert-svc operation the CLI uses (over NATS request/reply in the real CLI). */
export interface RulesService {
  apply(request: ApplyRulesRequest): Promise<ApplyRulesReply>;
}

/** Reads and checks every file; a file that cannot be read is a problem of that file. */
export function loadRuleFiles(
  files: readonly string[],
  io: CliIo,
): { rules: AlertRule[]; problems: RuleFileProblem[] } {
  const unreadable: RuleFileProblem[] = [];
  const sources = files.flatMap((file) => {
    try {
      return [{ file, text: io.readFile(file) }];
    } catch (e) {
      unreadable.push({ file, path: '', message: `cannot read: ${(e as Error).message}` });
      return [];
    }
  });
  const parsed = parseRuleFiles(sources);
  return { rules: unreadable.length > 0 ? [] : parsed.rules, problems: [...unreadable, ...parsed.problems] };
}

/** `vigil rules check`: 0 when every file is valid, 1 otherwise. */
export function runCheck(files: readonly string[], io: CliIo): number {
  const { rules, problems } = loadRuleFiles(files, io);
  if (problems.length === 0) {
    io.out(`ok: ${count(rules.length, 'rule')} in ${count(files.length, 'file')}`);
    return 0;
  }
  for (const p of problems) io.out(formatProblem(p));
  const bad = new Set(problems.map((p) => p.file)).size;
  io.out(`${count(problems.length, 'problem')} in ${bad} of ${count(files.length, 'file')}`);
  return 1;
}

export interface ApplyOptions {
  readonly files: readonly string[];
  readonly prune: boolean;
  readonly actor: string;
}

/** `vigil rules diff`: asks alert-svc for a dry run and prints the changes. */
export async function runDiff(opts: ApplyOptions, io: CliIo, service: RulesService): Promise<number> {
  const rules = loadOrReport(opts.files, io);
  if (!rules) return 1;
  const preview = await service.apply({ rules, prune: opts.prune, dryRun: true, actor: opts.actor });
  printPreview(preview, io);
  return 0;
}

/** `vigil rules apply`: the diff, then (confirmed or `--yes`) the apply itself. */
export async function runApply(
  opts: ApplyOptions & { readonly yes: boolean },
  io: CliIo,
  service: RulesService,
): Promise<number> {
  const rules = loadOrReport(opts.files, io);
  if (!rules) return 1;
  const request = { rules, prune: opts.prune, actor: opts.actor };
  const preview = await service.apply({ ...request, dryRun: true });
  printPreview(preview, io);
  if (!hasChanges(preview.changes)) return 0;
  if (!opts.yes) {
    if (!io.confirm) {
      io.err('not applied: no terminal to confirm on; pass --yes to apply');
      return 1;
    }
    if (!(await io.confirm('Apply these changes? [y/N] '))) {
      io.err('not applied');
      return 1;
    }
  }
  const result = await service.apply({ ...request, dryRun: false });
  if (!result.applied) {
    io.err('alert-svc did not apply the changes');
    return 1;
  }
  if (!sameChanges(preview.changes, result.changes)) {
    io.out('the rules changed since the diff; what was applied:');
    for (const line of formatChanges(result.changes)) io.out(line);
  }
  io.out(`applied: ${summarizeChanges(result.changes, true)}`);
  return 0;
}

function loadOrReport(files: readonly string[], io: CliIo): AlertRule[] | undefined {
  const { rules, problems } = loadRuleFiles(files, io);
  if (problems.length === 0) return rules;
  for (const p of problems) io.err(formatProblem(p));
  io.err(`${count(problems.length, 'problem')}: nothing sent to alert-svc (see vigil rules check)`);
  return undefined;
}

function printPreview(reply: ApplyRulesReply, io: CliIo): void {
  for (const line of formatChanges(reply.changes)) io.out(line);
  io.out(summarizeChanges(reply.changes, false));
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
