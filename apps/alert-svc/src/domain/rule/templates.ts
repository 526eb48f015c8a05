import { ValidationError } from '@vigil/contracts';
import {
  asNumber,
  checkPrintfFormat,
  humanize,
  humanize1024,
  humanizePercentage,
  printf,
  type TemplateValue,
} from './template-format';

/**
 * Annotation templates, a small safe subset of the Go templates Prometheus uses: text with
 * `{{ … }}` actions holding one pipeline of variables, literals and a fixed set of functions.
 * Nothing is evaluated as code. `{{- ` and ` -}}` trim the whitespace beside an action.
 *
 *   {{ $labels.mount }}  {{ $value }}  {{ $node }}  {{ $externalURL }}
 *   {{ $value | printf "%.1f" }}  {{ printf "%.1f" $value }}
 *   {{ $value | humanizePercentage }}  {{ $value | humanize }}  {{ $value | humanize1024 }}
 */

/** What one alert fills in. */
export interface TemplateData {
  /** The alert's labels; a label it does not have renders empty. */
  readonly labels: Readonly<Record<string, string>>;
  /** The value that made the alert fire; none for offline, event and missing rules (renders empty). */
  readonly value?: number;
  /** The node id the alert is about, if any. */
  readonly node?: string;
  /** Where operators reach Vigil, for links. */
  readonly externalURL?: string;
}

export interface TemplateProblem {
  /** Offset of the action in the template text. */
  readonly at: number;
  readonly message: string;
}

export interface CompiledTemplate {
  /** Every unknown variable or function and every syntax error; render() leaves such actions empty (an unclosed `{{` stays as text). */
  readonly problems: readonly TemplateProblem[];
  /** The text with every action filled in; never throws, never prints `undefined`. */
  render(data: TemplateData): string;
}

export const TEMPLATE_VARIABLES = ['$labels.<name>', '$value', '$node', '$externalURL'] as const;
export const TEMPLATE_FUNCTIONS = ['printf', 'humanize', 'humanize1024', 'humanizePercentage'] as const;
type FunctionName = (typeof TEMPLATE_FUNCTIONS)[number];

type Operand =
  | { kind: 'literal'; value: TemplateValue }
  | { kind: 'variable'; name: 'value' | 'node' | 'externalURL' }
  | { kind: 'label'; name: string };
type Command = { kind: 'operand'; operand: Operand } | { kind: 'call'; fn: FunctionName; args: Operand[] };
type Segment = { kind: 'text'; text: string } | { kind: 'action'; pipeline: Command[] | undefined };

export function compileTemplate(text: string): CompiledTemplate {
  const problems: TemplateProblem[] = [];
  const segments = parse(text, problems);
  return {
    problems,
    render: (data) =>
      segments.map((s) => (s.kind === 'text' ? s.text : show(s.pipeline ? run(s.pipeline, data) : undefined))).join(''),
  };
}

export function renderTemplate(text: string, data: TemplateData): string {
  return compileTemplate(text).render(data);
}

export function templateProblems(text: string): readonly TemplateProblem[] {
  return compileTemplate(text).problems;
}

/** Every annotation of a rule rendered for one alert. */
export function renderAnnotations(
  annotations: Readonly<Record<string, string>>,
  data: TemplateData,
): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations).map(([name, text]) => [name, renderTemplate(text, data)]));
}

/** The problems of every annotation, each with the annotation's name. */
export function annotationProblems(
  annotations: Readonly<Record<string, string>>,
): { annotation: string; message: string }[] {
  return Object.entries(annotations).flatMap(([annotation, text]) =>
    templateProblems(text).map((p) => ({ annotation, message: p.message })),
  );
}

/** Annotations are templates: a rule with one the renderer cannot read is refused, naming it. */
export function refuseBadTemplates(rule: { id: string; annotations: Readonly<Record<string, string>> }): void {
  const [problem] = annotationProblems(rule.annotations);
  if (problem) throw new ValidationError(`rule ${rule.id}: annotation ${problem.annotation}: ${problem.message}`);
}

function show(v: TemplateValue): string {
  return v === undefined ? '' : String(v);
}

function parse(text: string, problems: TemplateProblem[]): Segment[] {
  const segments: Segment[] = [];
  let pos = 0;
  let trimNextText = false;
  const pushText = (t: string) => {
    const kept = trimNextText ? t.trimStart() : t;
    trimNextText = false;
    if (kept) segments.push({ kind: 'text', text: kept });
  };
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    if (open === -1) break;
    const close = findClose(text, open + 2);
    if (close === -1) {
      problems.push({ at: open, message: `unclosed action "${excerpt(text.slice(open))}": missing "}}"` });
      break;
    }
    let body = text.slice(open + 2, close);
    let before = text.slice(pos, open);
    if (/^-\s/.test(body)) {
      before = before.trimEnd();
      body = body.slice(1);
    }
    pushText(before);
    let trimAfter = false;
    if (/\s-$/.test(body)) {
      trimAfter = true;
      body = body.slice(0, -1);
    }
    segments.push({ kind: 'action', pipeline: parsePipeline(body, open, problems) });
    trimNextText = trimAfter;
    pos = close + 2;
  }
  pushText(text.slice(pos));
  return segments;
}

/** The `}}` that closes the action starting at `from`, skipping string literals; -1 when none. */
function findClose(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === '`') {
      const end = stringEnd(text, i);
      if (end === -1) return -1;
      i = end;
    } else if (c === '}' && text[i + 1] === '}') {
      return i;
    }
  }
  return -1;
}

/** Index of the quote that ends the string literal opening at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

function excerpt(t: string): string {
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}

type Token = { kind: 'pipe' } | { kind: 'ident'; name: string } | { kind: 'operand'; operand: Operand | undefined };

const TOKEN =
  /\s*(?:(\|)|(\$[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*))/y;

function parsePipeline(body: string, at: number, problems: TemplateProblem[]): Command[] | undefined {
  const action = `{{${body}}}`;
  const fail = (message: string) => {
    problems.push({ at, message: `${message} in "${excerpt(action)}"` });
    return undefined;
  };
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < body.length) {
    if (/^\s*$/.test(body.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(body);
    if (!m) return fail(`unexpected "${body.slice(start).trim()[0]}"`);
    if (m[1]) tokens.push({ kind: 'pipe' });
    else if (m[2]) tokens.push({ kind: 'operand', operand: variable(m[2], (message) => fail(message)) });
    else if (m[3]) tokens.push({ kind: 'operand', operand: stringLiteral(m[3], fail) });
    else if (m[4]) tokens.push({ kind: 'operand', operand: { kind: 'literal', value: m[4].slice(1, -1) } });
    else if (m[5]) tokens.push({ kind: 'operand', operand: { kind: 'literal', value: Number(m[5]) } });
    else tokens.push({ kind: 'ident', name: m[6] });
  }
  if (tokens.length === 0) return fail('empty action');
  const commands: Exclude<Token, { kind: 'pipe' }>[][] = [[]];
  for (const t of tokens) {
    if (t.kind === 'pipe') commands.push([]);
    else commands[commands.length - 1].push(t);
  }
  const pipeline: Command[] = [];
  for (const [i, words] of commands.entries()) {
    if (words.length === 0) return fail('empty command around "|"');
    const [head, ...rest] = words;
    if (head.kind === 'ident') {
      if (!(TEMPLATE_FUNCTIONS as readonly string[]).includes(head.name)) {
        return fail(`unknown function "${head.name}" (known: ${TEMPLATE_FUNCTIONS.join(', ')})`);
      }
      if (rest.some((w) => w.kind !== 'operand'))
        return fail(`"${head.name}" takes values, not functions, as arguments`);
      const args = rest.map((w) => (w as Extract<Token, { kind: 'operand' }>).operand);
      if (args.some((a) => a === undefined)) return undefined;
      const problem = checkCall(head.name as FunctionName, args as Operand[], i > 0);
      if (problem) return fail(problem);
      pipeline.push({ kind: 'call', fn: head.name as FunctionName, args: args as Operand[] });
    } else {
      if (i > 0) return fail('only a function can follow "|"');
      if (rest.length > 0) return fail('a value must be followed by "|" and a function');
      if (!head.operand) return undefined;
      pipeline.push({ kind: 'operand', operand: head.operand });
    }
  }
  return pipeline;
}

function stringLiteral(text: string, fail: (message: string) => undefined): Operand | undefined {
  try {
    return { kind: 'literal', value: JSON.parse(text) as string };
  } catch {
    return fail(`invalid string ${text} (escapes: \\" \\\\ \\n \\t \\uXXXX)`);
  }
}

function variable(text: string, fail: (message: string) => undefined): Operand | undefined {
  const [name, ...fields] = text.slice(1).split('.');
  if (name === 'labels') {
    if (fields.length !== 1) return fail(`"$labels" needs one label name, e.g. $labels.mount`);
    return { kind: 'label', name: fields[0] };
  }
  if (name === 'value' || name === 'node' || name === 'externalURL') {
    if (fields.length > 0) return fail(`"$${name}" has no field "${fields.join('.')}"`);
    return { kind: 'variable', name };
  }
  return fail(`unknown variable "${text}" (known: ${TEMPLATE_VARIABLES.join(', ')})`);
}

/** What is wrong with a call, or undefined. In a pipe the piped value is the last argument. */
function checkCall(fn: FunctionName, args: Operand[], piped: boolean): string | undefined {
  const count = args.length + (piped ? 1 : 0);
  if (fn !== 'printf') return count === 1 ? undefined : `"${fn}" takes one value, got ${count}`;
  const format = args[0];
  if (!format || format.kind !== 'literal' || typeof format.value !== 'string')
    return '"printf" needs a format string first, e.g. printf "%.1f"';
  const { problems, values } = checkPrintfFormat(format.value);
  if (problems.length > 0) return problems.join('; ');
  return values === count - 1
    ? undefined
    : `printf format "${format.value}" takes ${values} value(s), got ${count - 1}`;
}

function run(pipeline: Command[], data: TemplateData): TemplateValue {
  let piped: TemplateValue;
  for (const [i, command] of pipeline.entries()) {
    if (command.kind === 'operand') {
      piped = evaluate(command.operand, data);
      continue;
    }
    const args = command.args.map((a) => evaluate(a, data));
    if (i > 0) args.push(piped);
    piped = call(command.fn, args);
  }
  return piped;
}

function evaluate(operand: Operand, data: TemplateData): TemplateValue {
  switch (operand.kind) {
    case 'literal':
      return operand.value;
    case 'label':
      return Object.hasOwn(data.labels, operand.name) ? data.labels[operand.name] : '';
    case 'variable':
      return data[operand.name];
    default: {
      const never: never = operand;
      return never;
    }
  }
}

function call(fn: FunctionName, args: TemplateValue[]): TemplateValue {
  if (fn === 'printf') return printf(String(args[0]), args.slice(1));
  const v = args[0];
  const n = asNumber(v);
  if (n === undefined) return v;
  switch (fn) {
    case 'humanize':
      return humanize(n);
    case 'humanize1024':
      return humanize1024(n);
    case 'humanizePercentage':
      return humanizePercentage(n);
    default: {
      const never: never = fn;
      return never;
    }
  }
}
