import {
  type CrossAggregation,
  type LabelMatcher,
  labelRegexError,
  LEADING_METRIC_NAME_PATTERN,
  ValidationError,
} from '@vigil/contracts';

/**
 * The PromQL Vigil answers: one instant-vector selector, optionally inside one aggregation.
 *
 *   metric_name
 *   metric_name{label="v", label2=~"re", node!="id"}
 *   {__name__="metric_name", ...}
 *   sum by (l1, l2) (selector)      sum(selector) by (l1, l2)      avg / min / max / count likewise
 *
 * Everything else (functions, range vectors, offsets, binary operators, `without`, other
 * aggregations) is refused with a message saying what is not supported, as Prometheus'
 * `bad_data`. This is what Grafana's query editor produces for plain metrics.
 */
export interface PromQuery {
  metric: string;
  /** The matchers besides the metric name; `node` matches the node id. */
  matchers: LabelMatcher[];
  aggregate?: { op: CrossAggregation; by: string[] };
}

const AGGREGATIONS = new Set<string>(['avg', 'min', 'max', 'sum', 'count']);
const OTHER_AGGREGATIONS = new Set([
  'topk',
  'bottomk',
  'quantile',
  'stddev',
  'stdvar',
  'count_values',
  'group',
  'limitk',
  'limit_ratio',
]);

type Token =
  | { kind: 'ident'; value: string; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'punct'; value: string; pos: number }
  | { kind: 'number'; value: string; pos: number }
  | { kind: 'other'; value: string; pos: number }
  | { kind: 'eof'; value: ''; pos: number };

const bad = (message: string) => new ValidationError(`invalid query: ${message}`);

const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

function readString(input: string, start: number): { value: string; end: number } {
  const quote = input[start];
  let out = '';
  let i = start + 1;
  while (i < input.length) {
    const c = input[i];
    if (c === quote) return { value: out, end: i + 1 };
    if (quote === '`') {
      out += c;
      i++;
      continue;
    }
    if (c === '\n') break;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = input[i + 1];
    if (e !== undefined && ESCAPES[e] !== undefined) {
      out += ESCAPES[e];
      i += 2;
      continue;
    }
    const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (
      hex &&
      /^[0-9a-fA-F]+$/.test(input.slice(i + 2, i + 2 + hex)) &&
      input.slice(i + 2, i + 2 + hex).length === hex
    ) {
      out += String.fromCodePoint(parseInt(input.slice(i + 2, i + 2 + hex), 16));
      i += 2 + hex;
      continue;
    }
    throw bad(`unknown escape sequence "\\${e ?? ''}" in string at position ${i}`);
  }
  throw bad(`unterminated string starting at position ${start}`);
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < input.length && input[i] !== '\n') i++;
      continue;
    }
    const ident = LEADING_METRIC_NAME_PATTERN.exec(input.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', value: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    const number = /^(?:0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)/.exec(input.slice(i));
    if (number) {
      tokens.push({ kind: 'number', value: number[0], pos: i });
      i += number[0].length;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const s = readString(input, i);
      tokens.push({ kind: 'string', value: s.value, pos: i });
      i = s.end;
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === '=~' || two === '!~' || two === '!=') {
      tokens.push({ kind: 'punct', value: two, pos: i });
      i += 2;
      continue;
    }
    if ('{}(),='.includes(c)) {
      tokens.push({ kind: 'punct', value: c, pos: i });
      i++;
      continue;
    }
    tokens.push({ kind: 'other', value: c, pos: i });
    i++;
  }
  tokens.push({ kind: 'eof', value: '', pos: input.length });
  return tokens;
}

/** What an unexpected token most likely means, in words a Grafana user understands. */
function unsupported(t: Token, next: Token | undefined): ValidationError {
  if (t.kind === 'eof') return bad('unexpected end of query');
  if (t.kind === 'other' && t.value === '[')
    return bad(`range vectors ([...]) are not supported (position ${t.pos}); only instant selectors are`);
  if (t.kind === 'other' && '+-*/%^<>!'.includes(t.value))
    return bad(`binary operators ("${t.value}") are not supported (position ${t.pos})`);
  if (t.kind === 'other' && t.value === '@') return bad(`the @ modifier is not supported (position ${t.pos})`);
  if (t.kind === 'ident' && t.value === 'offset') return bad(`offset is not supported (position ${t.pos})`);
  if (t.kind === 'ident' && t.value === 'without') return bad('"without" is not supported; use "by (...)"');
  if (t.kind === 'ident' && (t.value === 'and' || t.value === 'or' || t.value === 'unless'))
    return bad(`set operators ("${t.value}") are not supported`);
  if (t.kind === 'ident' && next?.kind === 'punct' && next.value === '(') {
    if (OTHER_AGGREGATIONS.has(t.value))
      return bad(`aggregation ${t.value} is not supported; supported: avg, min, max, sum, count`);
    return bad(
      `function ${t.value}() is not supported; supported: a selector, optionally in avg, min, max, sum or count (...)`,
    );
  }
  if (t.kind === 'number') return bad(`number literals are not supported (position ${t.pos})`);
  return bad(`unexpected ${t.kind === 'string' ? `string "${t.value}"` : `"${t.value}"`} at position ${t.pos}`);
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
  }
  private take(): Token {
    return this.tokens[this.i++];
  }
  private isPunct(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'punct' && t.value === value;
  }
  private expectPunct(value: string): void {
    if (!this.isPunct(value)) throw this.fail();
    this.i++;
  }
  private fail(): ValidationError {
    return unsupported(this.peek(), this.peek(1));
  }

  query(): PromQuery {
    const t = this.peek();
    let result: PromQuery;
    if (t.kind === 'ident' && AGGREGATIONS.has(t.value) && (this.isPunct('(', 1) || this.isGrouping(1))) {
      this.i++;
      let by = this.grouping();
      this.expectPunct('(');
      const inner = this.selector();
      this.expectPunct(')');
      const after = this.grouping();
      if (by && after) throw bad('"by" given twice');
      by = by ?? after;
      result = { ...inner, aggregate: { op: t.value as CrossAggregation, by: by ?? [] } };
    } else {
      result = this.selector();
    }
    if (this.peek().kind !== 'eof') throw this.fail();
    return result;
  }

  private isGrouping(offset: number): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && (t.value === 'by' || t.value === 'without');
  }

  private grouping(): string[] | undefined {
    const t = this.peek();
    if (t.kind !== 'ident' || (t.value !== 'by' && t.value !== 'without')) return undefined;
    if (t.value === 'without') throw unsupported(t, undefined);
    this.i++;
    this.expectPunct('(');
    const labels: string[] = [];
    while (!this.isPunct(')')) {
      const l = this.take();
      if (l.kind !== 'ident' || l.value.includes(':')) throw unsupported(l, undefined);
      labels.push(l.value);
      if (this.isPunct(',')) this.i++;
      else if (!this.isPunct(')')) throw this.fail();
    }
    this.i++;
    return labels;
  }

  selector(): PromQuery {
    let metric: string | undefined;
    const t = this.peek();
    if (t.kind === 'ident') {
      if (this.isPunct('(', 1)) throw unsupported(t, this.peek(1));
      metric = t.value;
      this.i++;
    }
    const matchers: LabelMatcher[] = [];
    if (this.isPunct('{')) {
      this.i++;
      matchers.push(...this.matcherList('}'));
      this.expectPunct('}');
    } else if (metric === undefined) {
      throw this.fail();
    }
    const name = matchers.filter((m) => m.label === '__name__');
    for (const m of name) {
      if (m.op !== '=') throw bad(`only __name__="..." selects a metric; ${m.op} on __name__ is not supported`);
      if (metric !== undefined && metric !== m.value) throw bad('metric name must not be set twice');
      metric = m.value;
    }
    if (metric === undefined) throw bad('a metric name is required (name{...} or {__name__="name"})');
    return { metric, matchers: matchers.filter((m) => m.label !== '__name__') };
  }

  /** `label op "value"`, comma separated (a trailing comma is fine), up to `close` or the end. */
  matcherList(close: string | undefined): LabelMatcher[] {
    const out: LabelMatcher[] = [];
    const atEnd = () => (close ? this.isPunct(close) : this.peek().kind === 'eof');
    while (!atEnd()) {
      const label = this.take();
      if (label.kind !== 'ident' || label.value.includes(':')) throw unsupported(label, undefined);
      const op = this.take();
      if (op.kind !== 'punct' || !['=', '!=', '=~', '!~'].includes(op.value)) throw unsupported(op, undefined);
      const value = this.take();
      if (value.kind !== 'string')
        throw bad(`expected a quoted value for label ${label.value} at position ${value.pos}`);
      if (op.value === '=~' || op.value === '!~') {
        const error = labelRegexError(value.value);
        if (error)
          throw bad(
            `invalid regular expression in matcher ${label.value}${op.value}${JSON.stringify(value.value)} at position ${value.pos}: ${error}`,
          );
      }
      out.push({ label: label.value, op: op.value as LabelMatcher['op'], value: value.value });
      if (this.isPunct(',')) this.i++;
      else if (!atEnd()) throw this.fail();
    }
    return out;
  }

  end(): void {
    if (this.peek().kind !== 'eof') throw this.fail();
  }
}

/** Parses the supported PromQL subset; anything else is a ValidationError (`bad_data`). */
export function parsePromQL(input: string): PromQuery {
  if (!input.trim()) throw bad('empty query');
  return new Parser(tokenize(input)).query();
}

/** Parses a `match[]` value: a selector, or just its matchers (`cpu=~"1|2", mount="/"`, braces optional). */
export function parseMatchers(input: string): LabelMatcher[] {
  const parser = new Parser(tokenize(input.trim().replace(/^\{([\s\S]*)\}$/, '$1')));
  const matchers = parser.matcherList(undefined);
  parser.end();
  return matchers;
}
