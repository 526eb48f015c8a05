/**
 * The rules view's logic, apart from the views: which rules a filter shows, a rule as the form
 * edits it and back, and the problems the API names, by the form's fields. The form checks only
 * what it needs to build the JSON (a line it cannot read, a value that is not a number); every
 * other check is the API's, shown where it says.
 */
import type { AlertRuleInput, RuleView } from '@vigil/contracts';
import type { RuleFilters, RuleKindFilter } from '../app/routes';

export type Rule = RuleView['rule'];
export type RuleKind = Rule['kind'];

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export const COMPARISONS = ['>', '>=', '<', '<=', '==', '!='] as const;
export const AGGREGATES = ['avg', 'max', 'min'] as const;
export const WATCHED_EVENTS = [
  'backup.failed',
  'backup.succeeded',
  'backup.verified',
  'backup.rto_regressed',
  'backup.verification_failed',
] as const;

/** What the form of a rule holds: text as typed (durations as `5m`, lists one item a line). */
export interface RuleForm {
  kind: RuleKind;
  id: string;
  name: string;
  severity: (typeof SEVERITIES)[number];
  enabled: boolean;
  /** `for`: threshold, absent, offline, missing. */
  for: string;
  keepFiringFor: string;
  /** `name=value`, one a line. */
  labels: string;
  annotations: string;
  /** threshold and absent. */
  metric: string;
  /** `label op "value"`, one a line (op one of = != =~ !~). */
  matchers: string;
  op: (typeof COMPARISONS)[number];
  value: string;
  windowAggregate: '' | (typeof AGGREGATES)[number];
  windowDuration: string;
  /** absent, event, missing: label names, separated by commas. */
  by: string;
  /** offline: `name=value`, one a line. */
  nodeLabels: string;
  /** event. */
  on: (typeof WATCHED_EVENTS)[number];
  resolvedBy: '' | (typeof WATCHED_EVENTS)[number];
  /** missing. */
  event: (typeof WATCHED_EVENTS)[number];
}

/** The form's fields that problems are shown by (`form`: anything else). */
export type RuleField =
  | 'id'
  | 'name'
  | 'severity'
  | 'for'
  | 'keepFiringFor'
  | 'labels'
  | 'annotations'
  | 'metric'
  | 'matchers'
  | 'op'
  | 'value'
  | 'window'
  | 'by'
  | 'nodeLabels'
  | 'on'
  | 'resolvedBy'
  | 'event'
  | 'form';

export interface RuleProblem {
  field: RuleField;
  message: string;
}

const FIELDS = new Set<RuleField>([
  'id',
  'name',
  'severity',
  'for',
  'keepFiringFor',
  'labels',
  'annotations',
  'metric',
  'matchers',
  'op',
  'value',
  'window',
  'by',
  'nodeLabels',
  'on',
  'resolvedBy',
  'event',
]);

/** The rules a filter shows, by name then id. */
export function selectRules(rules: readonly RuleView[], f: RuleFilters, collator: Intl.Collator): RuleView[] {
  const words = f.q.toLowerCase().split(/\s+/).filter(Boolean);
  return rules
    .filter((v) => {
      const r = v.rule;
      if (f.kind && r.kind !== f.kind) return false;
      if (f.state === 'enabled' && !r.enabled) return false;
      if (f.state === 'disabled' && r.enabled) return false;
      if (words.length === 0) return true;
      const text = [
        r.id,
        r.name,
        'metric' in r ? r.metric : '',
        ...Object.entries(r.labels).map(([k, val]) => `${k}=${val}`),
      ]
        .join(' ')
        .toLowerCase();
      return words.every((w) => text.includes(w));
    })
    .sort((a, b) => collator.compare(a.rule.name, b.rule.name) || collator.compare(a.rule.id, b.rule.id));
}

/** A duration in ms as the rules files write it: `26h`, `5m`, `30s`, else ms. */
export function durationText(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return String(ms);
}

const pairsText = (record: Readonly<Record<string, string>> | undefined) =>
  Object.entries(record ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

/** The form of a rule (a new one of `kind` when none). */
export function formOf(rule: Rule | undefined, kind: RuleKindFilter): RuleForm {
  const form: RuleForm = {
    kind: rule?.kind ?? kind,
    id: rule?.id ?? '',
    name: rule?.name ?? '',
    severity: rule?.severity ?? 'warning',
    enabled: rule?.enabled ?? true,
    for: '',
    keepFiringFor: rule?.keepFiringFor ? durationText(rule.keepFiringFor) : '',
    labels: pairsText(rule?.labels),
    annotations: pairsText(rule?.annotations),
    metric: '',
    matchers: '',
    op: '>',
    value: '',
    windowAggregate: '',
    windowDuration: '',
    by: '',
    nodeLabels: '',
    on: 'backup.failed',
    resolvedBy: '',
    event: 'backup.succeeded',
  };
  if (!rule) return { ...form, by: kind === 'absent' ? 'node' : kind === 'event' || kind === 'missing' ? 'job' : '' };
  switch (rule.kind) {
    case 'threshold':
      return {
        ...form,
        metric: rule.metric,
        matchers: rule.matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join('\n'),
        op: rule.op,
        value: String(rule.value),
        windowAggregate: rule.window?.aggregate ?? '',
        windowDuration: rule.window ? durationText(rule.window.duration) : '',
        for: rule.for ? durationText(rule.for) : '',
      };
    case 'absent':
      return {
        ...form,
        metric: rule.metric,
        matchers: rule.matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join('\n'),
        by: rule.by.join(', '),
        for: durationText(rule.for),
      };
    case 'offline':
      return { ...form, nodeLabels: pairsText(rule.nodeLabels), for: rule.for ? durationText(rule.for) : '' };
    case 'event':
      return { ...form, on: rule.on, resolvedBy: rule.resolvedBy ?? '', by: rule.by.join(', ') };
    case 'missing':
      return { ...form, event: rule.event, by: rule.by.join(', '), for: durationText(rule.for) };
    default: {
      const never: never = rule;
      return never;
    }
  }
}

/** A duration as typed: digits are milliseconds, anything else goes to the API as text. */
const durationOf = (text: string): string | number => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : text.trim());

function pairsOf(text: string, field: RuleField, problems: RuleProblem[]): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const at = line.indexOf('=');
    if (at <= 0) problems.push({ field, message: `line ${i + 1}: name=value` });
    else out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  });
  return out;
}

const MATCHER = /^\s*([^=!~\s]+)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

type MatchOp = '=' | '!=' | '=~' | '!~';

function matchersOf(text: string, problems: RuleProblem[]): { label: string; op: MatchOp; value: string }[] {
  const out: { label: string; op: MatchOp; value: string }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = MATCHER.exec(line);
    if (!m) {
      problems.push({ field: 'matchers', message: `line ${i + 1}: label="value" (= != =~ !~)` });
      return;
    }
    let value = m[3];
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        problems.push({ field: 'matchers', message: `line ${i + 1}: a quoted value ends with "` });
        return;
      }
    }
    out.push({ label: m[1], op: m[2] as MatchOp, value });
  });
  return out;
}

const listOf = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The rule the form describes, for the API (which checks it), or the lines it could not read. */
export function ruleOf(form: RuleForm): { rule: AlertRuleInput; problems: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const common = {
    id: form.id.trim(),
    name: form.name.trim(),
    severity: form.severity,
    enabled: form.enabled,
    labels: pairsOf(form.labels, 'labels', problems),
    annotations: pairsOf(form.annotations, 'annotations', problems),
    ...(form.keepFiringFor.trim() && { keepFiringFor: durationOf(form.keepFiringFor) }),
  };
  const forOf = () => (form.for.trim() ? { for: durationOf(form.for) } : {});
  let rule: AlertRuleInput;
  switch (form.kind) {
    case 'threshold': {
      const value = Number(form.value);
      if (form.value.trim() === '' || !Number.isFinite(value))
        problems.push({ field: 'value', message: 'a number, e.g. 90 or 0.85' });
      rule = {
        ...common,
        kind: 'threshold',
        metric: form.metric.trim(),
        matchers: matchersOf(form.matchers, problems),
        op: form.op,
        value,
        ...(form.windowAggregate && {
          window: { aggregate: form.windowAggregate, duration: durationOf(form.windowDuration) },
        }),
        ...forOf(),
      };
      break;
    }
    case 'absent':
      rule = {
        ...common,
        kind: 'absent',
        metric: form.metric.trim(),
        matchers: matchersOf(form.matchers, problems),
        by: listOf(form.by),
        for: durationOf(form.for),
      };
      break;
    case 'offline': {
      const nodeLabels = pairsOf(form.nodeLabels, 'nodeLabels', problems);
      rule = { ...common, kind: 'offline', ...(Object.keys(nodeLabels).length > 0 && { nodeLabels }), ...forOf() };
      break;
    }
    case 'event':
      rule = {
        ...common,
        kind: 'event',
        on: form.on,
        ...(form.resolvedBy && { resolvedBy: form.resolvedBy }),
        by: listOf(form.by),
      };
      break;
    case 'missing':
      rule = { ...common, kind: 'missing', event: form.event, by: listOf(form.by), for: durationOf(form.for) };
      break;
    default: {
      const never: never = form.kind;
      return never;
    }
  }
  return { rule, problems };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

const fieldOf = (path: readonly (string | number)[]): RuleField => {
  const rest = path[0] === 'rule' ? path.slice(1) : path;
  const head = String(rest[0] ?? '');
  return FIELDS.has(head as RuleField) ? (head as RuleField) : 'form';
};

/**
 * The problems an API answer names, by the form's fields: its `errors` (the contract's issues,
 * each with its `path`, e.g. `rule.for`), else what its `detail` says (`invalid request: rule.for:
 * invalid duration "5 minutes"`; `rule cpu: annotation summary: …`).
 */
export function ruleProblems(detail: string, errors: unknown): RuleProblem[] {
  if (Array.isArray(errors)) {
    const out: RuleProblem[] = [];
    for (const e of errors) {
      if (!isRecord(e) || typeof e.message !== 'string') continue;
      const path = Array.isArray(e.path)
        ? e.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number')
        : [];
      out.push({ field: fieldOf(path), message: e.message });
    }
    if (out.length > 0) return out;
  }
  const annotation = /^rule [^:]+: annotation (\S+): (.+)$/s.exec(detail);
  if (annotation) return [{ field: 'annotations', message: `${annotation[1]}: ${annotation[2]}` }];
  const body = detail.replace(/^invalid [^:]+: /, '');
  return body.split(/;\s+/).map((part) => {
    const m = /^([\w]+(?:\.[\w]+)*): (.+)$/s.exec(part);
    return m ? { field: fieldOf(m[1].split('.')), message: m[2] } : { field: 'form', message: part };
  });
}
