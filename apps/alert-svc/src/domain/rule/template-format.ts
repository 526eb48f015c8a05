/**
 * Number formatting for annotation templates, following Go's fmt and Prometheus' template
 * functions (humanize, humanize1024, humanizePercentage) closely enough for annotations.
 * Known difference: an exact tie (1234.5 at 4 digits) rounds up here, to even in Go.
 */

/** Go's `%.<precision>g`: shortest of %e and %f at that many significant digits, no trailing zeros. */
export function formatG(v: number, precision: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const p = Math.max(1, precision);
  const [mantissa, exponentText] = v.toExponential(p - 1).split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= p) {
    const sign = exponent < 0 ? '-' : '+';
    return `${stripZeros(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return stripZeros(v.toFixed(p - 1 - exponent));
}

function stripZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

const BIG = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SMALL = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
const BINARY = ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];

/** Prometheus `humanize`: SI prefixes, 4 significant digits (`1234567` → `1.235M`, `0.0012` → `1.2m`). */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return formatG(v, 4);
  let x = v;
  let prefix = '';
  if (Math.abs(x) >= 1) {
    for (const p of BIG) {
      if (Math.abs(x) < 1000) break;
      prefix = p;
      x /= 1000;
    }
  } else {
    for (const p of SMALL) {
      if (Math.abs(x) >= 1) break;
      prefix = p;
      x *= 1000;
    }
  }
  return `${formatG(x, 4)}${prefix}`;
}

/** Prometheus `humanize1024`: binary prefixes (`1048576` → `1Mi`); values up to 1 unscaled. */
export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return formatG(v, 4);
  let x = v;
  let prefix = '';
  for (const p of BINARY) {
    if (Math.abs(x) < 1024) break;
    prefix = p;
    x /= 1024;
  }
  return `${formatG(x, 4)}${prefix}`;
}

/** Prometheus `humanizePercentage`: a ratio as a percentage (`0.853` → `85.3%`). */
export function humanizePercentage(v: number): string {
  return `${formatG(v * 100, 4)}%`;
}

/** The printf verbs templates may use; anything else is reported by the template check. */
const VERBS = /%(?:%|s|v|d|f|\.(\d{1,2})[fg])/g;
const VERB_AT = new RegExp(VERBS.source, 'y');

/** The problems of a printf format, and how many values it takes. */
export function checkPrintfFormat(format: string): { problems: string[]; values: number } {
  const problems: string[] = [];
  let values = 0;
  let at = format.indexOf('%');
  while (at !== -1) {
    VERB_AT.lastIndex = at;
    const verb = VERB_AT.exec(format);
    if (verb) {
      if (verb[0] !== '%%') values += 1;
      at = format.indexOf('%', at + verb[0].length);
    } else {
      problems.push(`unsupported printf verb "${format.slice(at, at + 4)}" (use %s %v %d %f %.Nf %.Ng %%)`);
      at = format.indexOf('%', at + 1);
    }
  }
  return { problems, values };
}

/** Formats with a format checkPrintfFormat accepts; a value that is not a number prints as text. */
export function printf(format: string, args: readonly TemplateValue[]): string {
  let next = 0;
  return format.replace(VERBS, (verb: string, digits: string | undefined) => {
    if (verb === '%%') return '%';
    const arg = args[next++];
    if (arg === undefined) return '';
    if (verb === '%s' || verb === '%v') return String(arg);
    const n = asNumber(arg);
    if (n === undefined) return String(arg);
    if (verb === '%d') return Number.isFinite(n) ? String(Math.round(n)) : formatG(n, 1);
    if (!Number.isFinite(n)) return formatG(n, 1);
    if (verb === '%f') return n.toFixed(6);
    return verb.endsWith('g') ? formatG(n, Number(digits)) : n.toFixed(Number(digits));
  });
}

/** What a template expression evaluates to: a sample value, a label or literal text, or nothing. */
export type TemplateValue = number | string | undefined;

/** A number, or text that is one (labels are text); anything else undefined. */
export function asNumber(v: TemplateValue): number | undefined {
  if (typeof v === 'number') return v;
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isNaN(n) && v.trim() !== 'NaN' ? undefined : n;
}
