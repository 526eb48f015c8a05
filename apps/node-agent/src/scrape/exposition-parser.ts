/**
 * The Prometheus text exposition format, version 0.0.4:
 *
 *   # HELP <name> <docstring, with \\ and \n escaped>
 *   # TYPE <name> counter|gauge|histogram|summary|untyped
 *   <name>[{<label>="<value, with \\ \" and \n escaped>",…}] <value> [<timestamp ms>]
 *
 * Histograms and summaries need no special case: they are exposed as their own
 * `_bucket{le}`/`{quantile}`, `_sum` and `_count` series. Names are taken as written,
 * whatever their characters; whether one is acceptable is for the caller to decide.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
const METRIC_TYPES: ReadonlySet<string> = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  /** May be NaN or ±Infinity. */
  value: number;
  /** Unix milliseconds, when the line has one. */
  timestampMs?: number;
}

export interface MetricMetadata {
  type?: MetricType;
  help?: string;
}

export interface MalformedLine {
  /** 1-based. */
  line: number;
  reason: string;
}

export interface Exposition {
  samples: ExpositionSample[];
  /** From the HELP and TYPE lines, by metric family name. */
  metadata: Map<string, MetricMetadata>;
  /** Lines that could not be parsed; every other line still is. */
  malformed: MalformedLine[];
}

class ParseError extends Error {}

export function parseExposition(text: string): Exposition {
  const exposition: Exposition = { samples: [], metadata: new Map(), malformed: [] };
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      if (line.startsWith('#')) parseComment(line, exposition.metadata);
      else exposition.samples.push(parseSample(line));
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      exposition.malformed.push({ line: index + 1, reason: e.message });
    }
  });
  return exposition;
}

/** HELP and TYPE lines fill `metadata`; any other comment is ignored. */
function parseComment(line: string, metadata: Map<string, MetricMetadata>): void {
  const match = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t](.*))?$/.exec(line);
  if (!match) return;
  const [, keyword, name, rest = ''] = match;
  const entry = metadata.get(name) ?? {};
  metadata.set(name, entry);
  if (keyword === 'HELP') {
    entry.help = rest.replace(/\\([\\n])/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
    return;
  }
  const type = rest.trim();
  if (!METRIC_TYPES.has(type)) throw new ParseError(`unknown metric type "${type}" for ${name}`);
  entry.type = type as MetricType;
}

function parseSample(line: string): ExpositionSample {
  const cursor = new LineCursor(line);
  const name = cursor.takeWhile((c) => !isBlank(c) && c !== '{');
  if (name === '') throw new ParseError('a sample line must start with a metric name');
  cursor.skipBlanks();
  const labels = cursor.peek() === '{' ? parseLabels(cursor) : {};
  const [valueText = '', timestampText, ...extra] = cursor
    .rest()
    .trim()
    .split(/[ \t]+/);
  if (extra.length > 0) throw new ParseError(`unexpected "${extra.join(' ')}" after the timestamp`);
  const sample: ExpositionSample = { name, labels, value: parseValue(valueText) };
  if (timestampText !== undefined) {
    if (!/^-?\d+$/.test(timestampText)) throw new ParseError(`invalid timestamp "${timestampText}"`);
    sample.timestampMs = Number(timestampText);
  }
  return sample;
}

/** `{a="1",b="2"}`, with blanks allowed around tokens and a trailing comma. */
function parseLabels(cursor: LineCursor): Record<string, string> {
  // A Map, so that a label named `__proto__` is an ordinary key.
  const labels = new Map<string, string>();
  cursor.expect('{');
  for (;;) {
    cursor.skipBlanks();
    if (cursor.accept('}')) break;
    const name = cursor.takeWhile((c) => !isBlank(c) && c !== '=' && c !== ',' && c !== '}');
    if (name === '') throw new ParseError(`expected a label name at column ${cursor.column}`);
    cursor.skipBlanks();
    cursor.expect('=');
    cursor.skipBlanks();
    const value = parseQuoted(cursor);
    if (labels.has(name)) throw new ParseError(`label ${name} appears twice`);
    labels.set(name, value);
    cursor.skipBlanks();
    if (cursor.accept('}')) break;
    cursor.expect(',');
  }
  return Object.fromEntries(labels);
}

function parseQuoted(cursor: LineCursor): string {
  cursor.expect('"');
  let value = '';
  for (;;) {
    const c = cursor.next();
    if (c === undefined) throw new ParseError('a label value is missing its closing quote');
    if (c === '"') return value;
    if (c !== '\\') {
      value += c;
      continue;
    }
    const escaped = cursor.next();
    if (escaped === '\\' || escaped === '"') value += escaped;
    else if (escaped === 'n') value += '\n';
    else throw new ParseError(`invalid escape "\\${escaped ?? ''}" in a label value`);
  }
}

/** A float as Go's strconv writes it, or NaN, +Inf, -Inf. */
function parseValue(text: string): number {
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
  throw new ParseError(text === '' ? 'a sample line needs a value' : `invalid value "${text}"`);
}

const isBlank = (c: string) => c === ' ' || c === '\t';

class LineCursor {
  private at = 0;

  constructor(private readonly line: string) {}

  get column(): number {
    return this.at + 1;
  }

  peek(): string | undefined {
    return this.line[this.at];
  }

  next(): string | undefined {
    return this.line[this.at++];
  }

  accept(c: string): boolean {
    if (this.line[this.at] !== c) return false;
    this.at++;
    return true;
  }

  expect(c: string): void {
    if (!this.accept(c)) throw new ParseError(`expected "${c}" at column ${this.column}`);
  }

  takeWhile(ok: (c: string) => boolean): string {
    const start = this.at;
    while (this.at < this.line.length && ok(this.line[this.at])) this.at++;
    return this.line.slice(start, this.at);
  }

  skipBlanks(): void {
    this.takeWhile(isBlank);
  }

  rest(): string {
    return this.line.slice(this.at);
  }
}
