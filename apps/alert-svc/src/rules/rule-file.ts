import { type AlertRule, RuleFile, z } from '@vigil/contracts';
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { annotationProblems } from '../domain/rule/templates';

/** One thing wrong with a rules file, located as precisely as the YAML allows. */
export interface RuleFileProblem {
  readonly file: string;
  /** 1-based line and column of the offending node, when the YAML has it. */
  readonly line?: number;
  readonly column?: number;
  /** The rule it is in (its place in `rules` and its id, if it has one). */
  readonly rule?: { readonly index: number; readonly id?: string };
  /** The field path, inside the rule when there is one (`for`, `annotations.summary`, `matchers.0.value`). */
  readonly path: string;
  readonly message: string;
}

/** A rule of a file that is valid, with where it starts. */
export interface LocatedRule {
  readonly rule: AlertRule;
  readonly index: number;
  readonly line?: number;
}

export interface ParsedRuleFile {
  readonly file: string;
  /** The rules, only when the file has no problem at all. */
  readonly rules: readonly LocatedRule[];
  readonly problems: readonly RuleFileProblem[];
}

type Path = readonly PropertyKey[];

/** Parses and checks a rules file: YAML syntax, the RuleFile contract, then every annotation template. */
export function parseRuleFile(text: string, file: string): ParsedRuleFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const syntax = [...doc.errors, ...doc.warnings].map((e): RuleFileProblem => {
    const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    return {
      file,
      line: pos.line,
      column: pos.col,
      path: '',
      message: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''),
    };
  });
  if (syntax.length > 0) return { file, rules: [], problems: syntax };

  const raw: unknown = doc.toJS();
  const problem = (path: Path, message: string, key?: string): RuleFileProblem => {
    const at = locate(doc, path, key);
    const pos = at === undefined ? undefined : lines.linePos(at);
    const inRule = path[0] === 'rules' && typeof path[1] === 'number';
    const ruleIndex = inRule ? (path[1] as number) : undefined;
    const fieldPath = [...(inRule ? path.slice(2) : path), ...(key === undefined ? [] : [key])].map(String).join('.');
    return {
      file,
      ...(pos && { line: pos.line, column: pos.col }),
      ...(ruleIndex !== undefined && { rule: { index: ruleIndex, ...ruleId(raw, ruleIndex) } }),
      path: fieldPath,
      message,
    };
  };

  const problems: RuleFileProblem[] = [];
  const parsed = RuleFile.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys')
        issue.keys.forEach((k) => problems.push(problem(issue.path, `unknown field "${k}"`, k)));
      else problems.push(problem(issue.path, issueMessage(issue)));
    }
  }
  rawRules(raw).forEach((rule, index) => {
    const annotations = isRecord(rule) && isRecord(rule.annotations) ? rule.annotations : {};
    const texts = Object.fromEntries(
      Object.entries(annotations).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    for (const p of annotationProblems(texts))
      problems.push(problem(['rules', index, 'annotations', p.annotation], p.message));
  });
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  if (problems.length > 0 || !parsed.success) return { file, rules: [], problems };

  return {
    file,
    problems: [],
    rules: parsed.data.rules.map((rule, index) => {
      const at = locate(doc, ['rules', index]);
      return { rule, index, ...(at !== undefined && { line: lines.linePos(at).line }) };
    }),
  };
}

/** `file:line:col: rules[3] (high-cpu): for: message`, leaving out what is not known. */
export function formatProblem(p: RuleFileProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  const rule = p.rule ? ` rules[${p.rule.index}]${p.rule.id === undefined ? '' : ` (${p.rule.id})`}:` : '';
  const path = p.path ? ` ${p.path}:` : '';
  return `${where}:${rule}${path} ${p.message}`;
}

/**
 * Several files applied together: each parsed alone, then a rule id given twice across files
 * is a problem too (the second place names the first).
 */
export function parseRuleFiles(sources: readonly { file: string; text: string }[]): {
  rules: AlertRule[];
  problems: RuleFileProblem[];
} {
  const parsed = sources.map((s) => parseRuleFile(s.text, s.file));
  const problems = parsed.flatMap((p) => p.problems);
  const first = new Map<string, { file: string; line?: number }>();
  for (const p of parsed) {
    for (const r of p.rules) {
      const seen = first.get(r.rule.id);
      if (!seen) {
        first.set(r.rule.id, { file: p.file, line: r.line });
        continue;
      }
      problems.push({
        file: p.file,
        ...(r.line !== undefined && { line: r.line, column: 1 }),
        rule: { index: r.index, id: r.rule.id },
        path: 'id',
        message: `duplicate rule id "${r.rule.id}" (also in ${seen.file}${seen.line === undefined ? '' : `:${seen.line}`})`,
      });
    }
  }
  return { rules: problems.length > 0 ? [] : parsed.flatMap((p) => p.rules.map((r) => r.rule)), problems };
}

/** Offset of the deepest YAML node on `path` (of the key `key` under it, when given). */
function locate(doc: Document, path: Path, key?: string): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    if (!isNode(node)) continue;
    if (key !== undefined && n === path.length && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
      if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
    }
    if (node.range) return node.range[0];
  }
  return undefined;
}

/** The most useful message of an issue: for a union (durations: text or ms), the branch that matched the type. */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue.message;
  const inner = issue.errors.flat();
  const specific = inner.find((i) => i.code !== 'invalid_type');
  if (specific) return specific.message;
  const expected = inner
    .map((i) => (i.code === 'invalid_type' ? i.expected : undefined))
    .filter((e) => e !== undefined);
  return `Invalid input: expected ${[...new Set(expected)].join(' or ')}`;
}

function rawRules(raw: unknown): unknown[] {
  return isRecord(raw) && Array.isArray(raw.rules) ? raw.rules : [];
}

function ruleId(raw: unknown, index: number): { id?: string } {
  const rule = rawRules(raw)[index];
  return isRecord(rule) && typeof rule.id === 'string' ? { id: rule.id } : {};
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
