import fc from 'fast-check';
import { RE2JS } from 're2js';
import { matchesLabels } from './label-match';
import { labelRegex, labelRegexCacheSize, labelRegexError, MAX_REGEX_LENGTH, REGEX_CACHE_SIZE } from './label-regex';
import { LabelMatcher } from './metrics.queries';

const matches = (pattern: string, value: string) => labelRegex(pattern).matches(value);

/** Milliseconds one call takes (the best of three, so a scheduling hiccup does not count). */
function timed(f: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    f();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return best;
}

describe('label regex (RE2, Prometheus semantics)', () => {
  it('is anchored at both ends, whatever the pattern says', () => {
    expect(matches('1|2', '1')).toBe(true);
    expect(matches('1|2', '12')).toBe(false);
    expect(matches('web', 'web-1')).toBe(false);
    expect(matches('web.*', 'web-1')).toBe(true);
    expect(matches('.*eb.*', 'web-1')).toBe(true);
    expect(matches('^web-1$', 'web-1')).toBe(true);
    // `a)|(b` would escape a textual anchoring group: refused instead.
    expect(labelRegexError('a)|(b')).toMatch(/unexpected \)|missing/);
  });

  it('supports alternation, classes, repetition and the Perl and POSIX classes', () => {
    expect(matches('sd[a-c]', 'sdb')).toBe(true);
    expect(matches('sd[a-c]', 'sdd')).toBe(false);
    expect(matches('sd[^a-c]', 'sdd')).toBe(true);
    expect(matches('cpu\\d+', 'cpu12')).toBe(true);
    expect(matches('cpu\\d{1,2}', 'cpu123')).toBe(false);
    expect(matches('[[:alpha:]]+-\\w+', 'web-01')).toBe(true);
    expect(matches('\\pL+', 'ünïcode')).toBe(true);
    expect(matches('(?:eth|en)[0-9]+|lo', 'lo')).toBe(true);
    expect(matches('(?:eth|en)[0-9]+|lo', 'eth0')).toBe(true);
    expect(matches('(?:eth|en)[0-9]+|lo', 'wlan0')).toBe(false);
    expect(matches('\\Q1.5\\E', '1.5')).toBe(true);
    expect(matches('\\Q1.5\\E', '125')).toBe(false);
    expect(matches('(?P<dev>sd.)', 'sda')).toBe(true);
  });

  it('takes (?i) and the other inline flags as Prometheus does; . stops at a newline unless (?s)', () => {
    expect(matches('(?i)highcpu', 'HighCPU')).toBe(true);
    expect(matches('highcpu', 'HighCPU')).toBe(false);
    expect(matches('High(?i:cpu)', 'HighCpU')).toBe(true);
    expect(matches('High(?i:cpu)', 'highCPU')).toBe(false);
    expect(matches('a.b', 'a\nb')).toBe(false);
    expect(matches('(?s)a.b', 'a\nb')).toBe(true);
  });

  it('matches the empty string by the pattern alone; a missing label reads as ""', () => {
    expect(matches('', '')).toBe(true);
    expect(matches('', 'x')).toBe(false);
    expect(matches('.*', '')).toBe(true);
    expect(matches('.+', '')).toBe(false);
    expect(matchesLabels([{ label: 'mount', op: '=~', value: '' }], 'n1', {})).toBe(true);
    expect(matchesLabels([{ label: 'mount', op: '=~', value: '/|' }], 'n1', {})).toBe(true);
    expect(matchesLabels([{ label: 'mount', op: '!~', value: '.+' }], 'n1', {})).toBe(true);
    expect(matchesLabels([{ label: 'mount', op: '!~', value: '.+' }], 'n1', { mount: '/' })).toBe(false);
    expect(matchesLabels([{ label: 'node', op: '=~', value: 'n[0-9]' }], 'n1', { node: 'other' })).toBe(true);
  });

  it('refuses what RE2 does not have, naming it, and bounds length and size', () => {
    expect(labelRegexError('(a)\\1')).toBe('backreferences (\\1) are not supported (RE2 syntax)');
    expect(labelRegexError('(?<x>a)\\k<x>')).toBe('backreferences (\\k<name>) are not supported (RE2 syntax)');
    expect(labelRegexError('foo(?=bar)')).toBe('lookahead (?=…) is not supported (RE2 syntax)');
    expect(labelRegexError('foo(?!bar)')).toBe('lookahead (?!…) is not supported (RE2 syntax)');
    expect(labelRegexError('(?<=foo)bar')).toBe('lookbehind (?<=…) is not supported (RE2 syntax)');
    expect(labelRegexError('(?<!foo)bar')).toBe('lookbehind (?<!…) is not supported (RE2 syntax)');
    // The same characters where they are literal are fine.
    expect(labelRegexError('[(?=]\\\\1')).toBeUndefined();
    expect(labelRegexError('\\Q(?=\\E')).toBeUndefined();
    expect(labelRegexError('[[:digit:]](?:x)')).toBeUndefined();
    expect(labelRegexError('(')).toMatch(/^not a valid RE2 regular expression: missing closing \)/);
    expect(labelRegexError('a'.repeat(MAX_REGEX_LENGTH))).toBeUndefined();
    expect(labelRegexError('a'.repeat(MAX_REGEX_LENGTH + 1))).toBe(`longer than ${MAX_REGEX_LENGTH} characters`);
    expect(labelRegexError('[a-z]{1000}')).toBeUndefined();
    expect(labelRegexError('(?:a?){1000}a{1000}')).toMatch(/^too complex \(\d+ RE2 instructions, at most 2000\)$/);
    expect(labelRegexError('(?:a{1000}){1000}')).toMatch(/invalid repeat count/);
    // Stored before RE2 (JavaScript took it): matches nothing, and its matcher set selects nothing, instead of throwing.
    expect(labelRegex('(?=x)x').valid).toBe(false);
    expect(labelRegex('(?=x)x').matches('x')).toBe(false);
    expect(matchesLabels([{ label: 'a', op: '=~', value: '(?=x)x' }], 'n', { a: 'x' })).toBe(false);
    expect(matchesLabels([{ label: 'a', op: '!~', value: '(?=x)x' }], 'n', { a: 'y' })).toBe(false);
  });

  it('is refused by the LabelMatcher contract, naming the field, for =~ and !~ only', () => {
    const parsed = LabelMatcher.safeParse({ label: 'job', op: '=~', value: 'a(?=b)' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ['value'],
        message: 'invalid regular expression: lookahead (?=…) is not supported (RE2 syntax)',
      }),
    ]);
    expect(LabelMatcher.safeParse({ label: 'job', op: '!~', value: '(a)\\1' }).success).toBe(false);
    expect(LabelMatcher.safeParse({ label: 'job', op: '=', value: 'a(?=b)' }).success).toBe(true);
    expect(LabelMatcher.safeParse({ label: 'job', op: '=~', value: '(a+)+b' }).success).toBe(true);
  });

  it.each([
    ['(a+)+b', (n: number) => 'a'.repeat(n)],
    ['(a|aa)+b', (n: number) => 'a'.repeat(n)],
    ['(a|a?)+b', (n: number) => 'a'.repeat(n)],
    ['(.*a){20}', (n: number) => `${'a'.repeat(n - 1)}!`],
    ['(\\w+\\s?)*!', (n: number) => 'word '.repeat(n / 5)],
    ['(x+x+)+y', (n: number) => 'x'.repeat(n)],
    ['^(([a-z])+.)+[A-Z]([a-z])+$', (n: number) => 'a'.repeat(n)],
  ])('runs the catastrophic %s in linear time (32 and 100,000 characters well under 100 ms)', (pattern, input) => {
    const re = labelRegex(pattern);
    // What a backtracking engine does with the same pattern (≥ 2^20 steps at 32 characters) is not run here:
    // it would stall this test for seconds to hours.
    for (const n of [32, 100_000]) {
      const value = input(n);
      expect(re.matches(value)).toBe(false);
      expect(timed(() => re.matches(value))).toBeLessThan(100);
    }
  });

  it('compiles each pattern once and keeps at most REGEX_CACHE_SIZE of them, dropping the least recently used', () => {
    const first = labelRegex('cache-first-[0-9]+');
    const filler0 = labelRegex('cache-filler-0');
    for (let i = 1; i < REGEX_CACHE_SIZE + 50; i++) {
      labelRegex(`cache-filler-${i}`);
      // Used now and then, so it stays while older ones go.
      if (i % 100 === 0) expect(labelRegex('cache-first-[0-9]+')).toBe(first);
    }
    expect(labelRegexCacheSize()).toBe(REGEX_CACHE_SIZE);
    expect(labelRegex('cache-first-[0-9]+')).toBe(first);
    // Not used since: dropped, and compiled again when asked for.
    const again = labelRegex('cache-filler-0');
    expect(again).not.toBe(filler0);
    expect(again.matches('cache-filler-0')).toBe(true);
  });

  it('never throws on any pattern or value: a refusal is a reason, an accepted pattern matches any value (fuzz, fixed seed)', () => {
    const pieces = fc.constantFrom(
      '(',
      ')',
      '[',
      ']',
      '{',
      '}',
      '?',
      '*',
      '+',
      '|',
      '\\',
      '^',
      '$',
      '.',
      ':',
      '<',
      '=',
      '!',
      'P',
      'a',
      '1',
      '-',
      ',',
      'é',
      '\u{1F600}',
      '\0',
      '\uD800',
    );
    const hostile = fc.array(pieces, { maxLength: 40 }).map((p) => p.join(''));
    fc.assert(
      fc.property(
        fc.oneof(hostile, fc.string({ unit: 'binary', maxLength: 60 })),
        fc.string({ unit: 'binary', maxLength: 50 }),
        (pattern, value) => {
          const error = labelRegexError(pattern);
          expect(labelRegex(pattern).valid).toBe(error === undefined);
          if (error === undefined) expect(typeof labelRegex(pattern).matches(value)).toBe('boolean');
          else expect(error).toEqual(expect.any(String));
          const parsed = LabelMatcher.safeParse({ label: 'l', op: '=~', value: pattern });
          expect(parsed.success).toBe(error === undefined);
        },
      ),
      { seed: 1919, numRuns: 1500 },
    );
  });

  it('compiles a pattern once for the contract check and the matching, refusals included', () => {
    const compile = jest.spyOn(RE2JS, 'compile');
    try {
      for (let i = 0; i < 3; i++) {
        expect(labelRegexError('spy-once-(a|b)')).toBeUndefined();
        expect(labelRegex('spy-once-(a|b)').matches('spy-once-a')).toBe(true);
        expect(labelRegexError('spy-once-(')).toMatch(/missing closing/);
      }
      // The pattern alone and anchored for the valid one; the pattern alone for the refused one.
      expect(compile).toHaveBeenCalledTimes(3);
    } finally {
      compile.mockRestore();
    }
  });

  it('answers the same for a value seen before, past the memo of recent values, and for long values', () => {
    const re = labelRegex('cpu(?:[0-9]|1[0-5])');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) expect(re.matches(`cpu${i}`)).toBe(i < 16);
    }
    const long = `cpu${'9'.repeat(200)}`;
    expect(re.matches(long)).toBe(false);
    expect(labelRegex('cpu9+').matches(long)).toBe(true);
    expect(labelRegex('cpu9+').matches(long)).toBe(true);
  });

  it("agrees with JavaScript's own engine on generated simple patterns (differential, fixed seed)", () => {
    // Patterns where both engines share a meaning: literals, classes, groups, alternation, repetition.
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', '(?:a|b)', '(?:ab)', '(a)');
    const piece = fc.tuple(atom, fc.constantFrom('', '*', '+', '?', '{1,2}')).map(([a, q]) => a + q);
    const branch = fc.array(piece, { minLength: 0, maxLength: 4 }).map((p) => p.join(''));
    const pattern = fc.array(branch, { minLength: 1, maxLength: 3 }).map((b) => b.join('|'));
    const value = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1'), maxLength: 8 });
    fc.assert(
      fc.property(pattern, value, (p, v) => {
        expect(matches(p, v)).toBe(new RegExp(`^(?:${p})$`).test(v));
      }),
      { seed: 19, numRuns: 2000 },
    );
  });
});
