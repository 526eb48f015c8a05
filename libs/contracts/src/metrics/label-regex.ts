import { RE2JS, RE2JSException } from 're2js';

/**
 * The one place a user-supplied regular expression (a `=~` / `!~` label matcher in a rule, a
 * silence, a route, an inhibit rule or a metrics query) is compiled and run. It runs on RE2
 * (re2js, the JavaScript port of RE2: linear in the input, no backtracking), so a pattern like
 * `(a+)+b` against a label value an agent controls costs microseconds, not the event loop.
 *
 * Semantics are Prometheus' and Alertmanager's (Go's regexp is RE2 too): the pattern is fully
 * anchored as `^(?:pattern)$`, `.` does not match a newline unless `(?s)`, `(?i)` and the other
 * inline flags are accepted, and the empty string is a value like any other (a missing label
 * reads as "", so `label=~""` selects what has no such label). Backreferences and lookaround,
 * which RE2 does not have, are refused when the pattern is submitted.
 */

/** The longest pattern accepted (characters). Label values are bounded the same way. */
export const MAX_REGEX_LENGTH = 1024;

/**
 * The largest compiled program accepted (RE2 instructions). Matching costs input length ×
 * program size at worst: 2,000 instructions against a 1,024-character label value stays in
 * the low milliseconds, while `x{1000}` (about 1,000 instructions) is still accepted.
 */
export const MAX_REGEX_PROGRAM = 2000;

/** How many compiled patterns are kept (least recently used dropped first). */
export const REGEX_CACHE_SIZE = 1000;

/**
 * Label values repeat (`cpu` 0…63, a few mounts and devices): each compiled pattern remembers the
 * answer for up to this many values of at most MEMO_VALUE_MAX characters, so the evaluator's hot
 * path costs a map lookup rather than an RE2 run (≈ 250 ns). Bounded: at most
 * REGEX_CACHE_SIZE × MEMO_VALUES × MEMO_VALUE_MAX characters (≈ 4 MB) in all.
 */
const MEMO_VALUES = 32;
const MEMO_VALUE_MAX = 64;

/** A compiled, anchored label pattern. */
export interface LabelRegex {
  readonly source: string;
  /**
   * False for a pattern the contract refuses that reached a matcher anyway (a rule or silence
   * stored before RE2, with a lookahead JavaScript took): it matches nothing, and a matcher set
   * holding it selects nothing (see matchesLabels), rather than throwing in an evaluator.
   */
  readonly valid: boolean;
  /** Whether the whole value matches (Prometheus' anchoring). */
  matches(value: string): boolean;
}

/** Why a pattern is refused, in words that fit after a field name; undefined when it is fine. */
export function labelRegexError(pattern: string): string | undefined {
  return entry(pattern).error;
}

/**
 * The compiled pattern (from a bounded cache). A pattern `labelRegexError` refuses comes back
 * with `valid: false` (matching nothing): callers receive validated matchers, so only data
 * stored before the contract refused such patterns gets there, and it must not stop a loop.
 */
export function labelRegex(pattern: string): LabelRegex {
  return entry(pattern).regex;
}

/**
 * The cached outcome of compiling `pattern`, refusals included: the contract checks each
 * request's patterns and the matchers then use them, so a pattern is compiled once, not per
 * request (a 1,024-character pattern can take milliseconds to compile).
 */
function entry(pattern: string): CacheEntry {
  const hit = cache.get(pattern);
  if (hit) {
    hit.used = ++tick;
    return hit;
  }
  const compiled = tryCompile(pattern);
  const made: CacheEntry =
    'error' in compiled
      ? { regex: { source: pattern, valid: false, matches: () => false }, error: compiled.error, used: ++tick }
      : { regex: compiled.regex, used: ++tick };
  if (cache.size >= REGEX_CACHE_SIZE) evictLeastRecentlyUsed();
  cache.set(pattern, made);
  return made;
}

interface CacheEntry {
  regex: LabelRegex;
  error?: string;
  used: number;
}

/** How many compiled patterns the cache holds now (for tests and metrics). */
export function labelRegexCacheSize(): number {
  return cache.size;
}

/** A hit only stamps its entry; the scan for the oldest happens when a new pattern needs the room. */
const cache = new Map<string, CacheEntry>();
let tick = 0;

function evictLeastRecentlyUsed(): void {
  let oldest: string | undefined;
  let oldestUsed = Infinity;
  for (const [pattern, entry] of cache) {
    if (entry.used < oldestUsed) {
      oldestUsed = entry.used;
      oldest = pattern;
    }
  }
  if (oldest !== undefined) cache.delete(oldest);
}

function tryCompile(pattern: string): { regex: LabelRegex } | { error: string } {
  if (pattern.length > MAX_REGEX_LENGTH) return { error: `longer than ${MAX_REGEX_LENGTH} characters` };
  const unsupported = unsupportedSyntax(pattern);
  if (unsupported) return { error: unsupported };
  try {
    // The pattern alone must parse: `a)|(b` would otherwise escape the anchoring group.
    RE2JS.compile(pattern);
    const re = RE2JS.compile(`^(?:${pattern})$`);
    if (re.programSize() > MAX_REGEX_PROGRAM)
      return { error: `too complex (${re.programSize()} RE2 instructions, at most ${MAX_REGEX_PROGRAM})` };
    const memo = new Map<string, boolean>();
    const matches = (value: string): boolean => {
      if (value.length > MEMO_VALUE_MAX) return re.matches(value);
      let hit = memo.get(value);
      if (hit === undefined) {
        if (memo.size >= MEMO_VALUES) memo.clear();
        memo.set(value, (hit = re.matches(value)));
      }
      return hit;
    };
    return { regex: { source: pattern, valid: true, matches } };
  } catch (e) {
    if (e instanceof RE2JSException) return { error: `not a valid RE2 regular expression: ${describe(e)}` };
    throw e;
  }
}

/** RE2's own words, without the "error parsing regexp:" preamble. */
function describe(e: RE2JSException): string {
  return e.message.replace(/^error parsing regexp: /, '');
}

/**
 * What RE2 refuses with a message that does not say why: lookaround and backreferences are
 * named, so the person who wrote them knows what to change.
 */
function unsupportedSyntax(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === 'Q') {
        // \Q…\E is literal text.
        const end = pattern.indexOf('\\E', i + 2);
        if (end < 0) return undefined;
        i = end + 1;
        continue;
      }
      if (!inClass && next !== undefined && next >= '1' && next <= '9')
        return `backreferences (\\${next}) are not supported (RE2 syntax)`;
      if (!inClass && next === 'k' && pattern[i + 2] === '<')
        return 'backreferences (\\k<name>) are not supported (RE2 syntax)';
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        // `[[:alpha:]]`: a POSIX class inside the brackets.
        const end = pattern.indexOf(':]', i + 2);
        if (end >= 0) i = end + 1;
      } else if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // `[]a]` and `[^]a]`: a leading `]` is a literal.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const kind = pattern.slice(i + 2, i + 4);
      if (kind.startsWith('=') || kind.startsWith('!')) return `lookahead (?${kind[0]}…) is not supported (RE2 syntax)`;
      if (kind === '<=' || kind === '<!') return `lookbehind (?${kind}…) is not supported (RE2 syntax)`;
    }
  }
  return undefined;
}
