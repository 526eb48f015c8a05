import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

/**
 * Hostile inputs for the fuzz suites (fast-check): what a careless or malicious client sends to a
 * decoder or a route. `npm test` runs them with a fixed seed and bounded counts; the `fuzz` bench
 * sets `VIGIL_FUZZ_SEED` and `VIGIL_FUZZ_SCALE` (a multiplier of every count) for a longer run.
 */

/** The seed of `npm test`'s runs (any failure it finds is reproduced by running again). */
export const DEFAULT_FUZZ_SEED = 190_019;

export function fuzzSeed(): number {
  const text = process.env.VIGIL_FUZZ_SEED;
  if (text === undefined || text === '') return DEFAULT_FUZZ_SEED;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`VIGIL_FUZZ_SEED must be an integer, got "${text}"`);
  return seed;
}

export function fuzzScale(): number {
  const text = process.env.VIGIL_FUZZ_SCALE;
  if (text === undefined || text === '') return 1;
  const scale = Number(text);
  if (!(scale > 0) || scale > 10_000) throw new Error(`VIGIL_FUZZ_SCALE must be a number in (0, 10000], got "${text}"`);
  return scale;
}

/** fast-check's parameters for a property run `runs` times in `npm test` (times the scale). */
export function fuzzParameters<T>(runs: number): fc.Parameters<T> {
  return { seed: fuzzSeed(), numRuns: Math.max(1, Math.round(runs * fuzzScale())), endOnFailure: true };
}

/** Keys that reach an object's prototype or shadow its methods when code copies input naively. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
] as const;

/** Lengths at and around the limits the contracts state (ids 64/128, names 200, values 1024, …). */
export const LIMIT_LENGTHS = [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 200, 201, 256, 257, 1000, 1024, 1025, 4097];

const SPECIAL_STRINGS = [
  '',
  ' ',
  '  x  ',
  ...PROTOTYPE_KEYS,
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '-1',
  '1e309',
  '0x10',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDC00x',
  '\uFFFE\uFFFF',
  '\u202Egnp.exe',
  '\u200B',
  'ǅ𝟘😀👩‍👩‍👧',
  'a.b',
  'a.*',
  '>',
  'a b',
  'a\nb',
  'a\r\nSet-Cookie: x=1',
  '../../etc/passwd',
  '%00%2e%2e%2F',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  "'; DROP TABLE x; --",
  '(a+)+$',
  '[',
  '\\',
  '.*',
  '1970-01-01T00:00:00Z',
  '0000-00-00T00:00:00Z',
  '9999-12-31T23:59:59.999+14:00',
  '2026-13-45T25:61:61Z',
  '00000000-0000-0000-0000-000000000000',
  '0s',
  '5m',
  '-5m',
  '1h30m',
  '999999999999999999999y',
  '1e3',
];

const SPECIAL_NUMBERS = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0,
  -1,
  1,
  0.5,
  -0.5,
  1e-7,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
];

/** A string of one of the limit lengths, in ASCII, in two-unit characters, in astral ones. */
const limitString = fc
  .tuple(fc.constantFrom(...LIMIT_LENGTHS), fc.constantFrom('a', '0', '_', 'é', '😀', ' ', '.', '\u0000'))
  .map(([n, c]) => c.repeat(n));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: limitString },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', 'Z', '0', '_', '-', ':', '.'), maxLength: 30 }) },
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_NUMBERS) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
);

/** Nesting `depth` levels deep, in arrays or objects (what a recursive decoder may not survive). */
export const deeplyNested: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(1_000, 5_000, 20_000), fc.boolean())
  .map(([depth, arrays]) => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
    return v;
  });

/** Arrays of the lengths around the contracts' limits, of one repeated hostile leaf. */
export const longArray: fc.Arbitrary<unknown[]> = fc
  .tuple(fc.constantFrom(20, 21, 100, 101, 1000, 1001, 10_001, 20_001), fc.oneof(hostileString, hostileNumber))
  .map(([n, leaf]) => new Array<unknown>(n).fill(leaf));

export interface HostileValueOptions {
  /** Key names worth trying (a schema's own field names get a decoder further than random keys). */
  keys?: readonly string[];
  /** Values worth trying (a schema's enum members and literals get past a discriminator). */
  words?: readonly unknown[];
  /** Largest keys per object and elements per array. */
  width?: number;
}

/**
 * Any JSON-like value made of hostile leaves: wrong types, NaN/Infinity, limit-length and binary
 * strings, prototype keys, the schema's own keys and words, long arrays, deep nesting. Objects
 * are built with `JSON.parse`, as a decoder receives them off the wire, so `__proto__` is an
 * own key (not the object's prototype).
 */
export function hostileValue(options: HostileValueOptions = {}): fc.Arbitrary<unknown> {
  const width = options.width ?? 6;
  const keys = options.keys?.length ? options.keys : ['a'];
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...keys) },
    { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
    { weight: 1, arbitrary: hostileString },
  );
  const leaves: fc.Arbitrary<unknown>[] = [
    hostileString,
    hostileNumber,
    fc.constantFrom(null, true, false, undefined),
    fc.constantFrom([], {}),
  ];
  if (options.words?.length) leaves.push(fc.constantFrom(...options.words));
  const leaf = fc.oneof(...leaves);
  const { value } = fc.letrec<{ value: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 4, arbitrary: leaf },
      { weight: 3, arbitrary: tie('object') },
      { weight: 2, arbitrary: tie('array') },
    ),
    array: fc.array(tie('value'), { maxLength: width }),
    object: fc
      .array(fc.tuple(key, tie('value')), { maxLength: width })
      .map((entries) => wireObject(entries) as Record<string, unknown>),
  }));
  return fc.oneof(
    { weight: 20, arbitrary: value },
    { weight: 1, arbitrary: deeplyNested },
    { weight: 1, arbitrary: longArray },
    { weight: 1, arbitrary: fc.anything({ withBigInt: true, withDate: true, withMap: true, withNullPrototype: true }) },
  );
}

/** An object with these own entries, `__proto__` included, as JSON.parse makes it. */
export function wireObject(entries: readonly (readonly [string, unknown])[]): object {
  const out: Record<string, unknown> = JSON.parse('{}') as Record<string, unknown>;
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Payload bytes: random binary, broken and valid JSON texts, prototype-polluting JSON, BOMs. */
export const hostileBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .constantFrom(
      '',
      '{',
      '{"a":',
      'null',
      '0',
      '"x"',
      '[]',
      '\uFEFF{}',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"v":2,"__proto__":{"v":2}}',
      '1e400',
      '-',
      '['.repeat(100_000),
      `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
    )
    .map((s) => Buffer.from(s)),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
);

/** Whether Object.prototype (or Array.prototype) gained or lost anything: a prototype was polluted. */
export function prototypeSnapshot(): () => string | undefined {
  const before = {
    object: Object.getOwnPropertyNames(Object.prototype).sort().join(','),
    array: Object.getOwnPropertyNames(Array.prototype).sort().join(','),
  };
  return () => {
    const object = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
    const array = Object.getOwnPropertyNames(Array.prototype).sort().join(',');
    if (object !== before.object) return `Object.prototype changed: ${object}`;
    if (array !== before.array) return `Array.prototype changed: ${array}`;
    return undefined;
  };
}

/**
 * Adds one suite's counts to the file `VIGIL_FUZZ_REPORT` names (one JSON line each), which the
 * `fuzz` bench sums; without it, nothing.
 */
export function recordFuzzRuns(suite: string, runs: number, failures: number): void {
  const file = process.env.VIGIL_FUZZ_REPORT;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ suite, runs, failures, seed: fuzzSeed(), scale: fuzzScale() })}\n`);
}

/** The runs and failed properties of this test file so far (what recordFuzzRuns reports). */
export const fuzzTally = { runs: 0, failures: 0 };

function failed<T>(details: fc.RunDetails<T>): Error {
  fuzzTally.failures++;
  let report: string | undefined;
  try {
    report = fc.defaultReportMessage(details);
  } catch {
    // fast-check's printer recurses: a counterexample nested 20,000 deep overflows it.
    report = `property failed (seed ${details.seed}, path ${details.counterexamplePath}; the counterexample is too deep to print): ${String(details.errorInstance)}`;
  }
  const error = new Error(report ?? 'property failed');
  if (details.errorInstance instanceof Error) error.stack = `${error.message}\n${details.errorInstance.stack ?? ''}`;
  return error;
}

/** fc.assert with `npm test`'s seed and `runs` (times the scale), counted in fuzzTally. */
export function fuzzAssert<T>(property: fc.IProperty<T>, runs: number): void {
  const details = fc.check(property, fuzzParameters<T>(runs));
  fuzzTally.runs += details.numRuns;
  if (details.failed) throw failed(details);
}

/** fuzzAssert for an async property. */
export async function fuzzAssertAsync<T>(property: fc.IAsyncProperty<T>, runs: number): Promise<void> {
  const details = await fc.check(property, fuzzParameters<T>(runs));
  fuzzTally.runs += details.numRuns;
  if (details.failed) throw failed(details);
}
