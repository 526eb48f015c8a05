import { performance } from 'node:perf_hooks';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import * as contracts from '@vigil/contracts';
import {
  checkIdentity,
  createTopology,
  decodeJson,
  decodePublicKey,
  decodeSampleBatch,
  durationMs,
  EventCatalog,
  parseJson,
  parseSeriesList,
  parseStamp,
  readSampleBatch,
  ValidationError,
  validate,
  verifyMessage,
  z,
} from '@vigil/contracts';
import {
  fuzzAssert,
  fuzzTally,
  recordFuzzRuns,
  hostileBytes,
  hostileString,
  hostileValue,
  PROTOTYPE_KEYS,
  prototypeSnapshot,
  wireObject,
} from '@vigil/test-support';

/**
 * Every decoder of libs/contracts against generated hostile input (issue 19): every zod schema it
 * exports (message schemas, requests, replies, event data of every version, configurations), every
 * event catalog, the sample batch codec, the stamp and signature checks and the subject parsers.
 * Each must answer or refuse with its own error (a ValidationError whose issues name the field
 * they are about: a path into the input), in bounded time, without touching a prototype.
 */

/** Far above anything these decoders take on a busy 2-core machine, far below a hang. */
const CASE_TIME_LIMIT_MS = 1_000;
/** Runs per schema (there are ~170), each with the input as given and as off the wire. */
const RUNS_PER_SCHEMA = 25;

type Def = Record<string, unknown>;
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The field names and enum/literal values a schema mentions anywhere inside it. */
function vocabulary(schema: z.ZodType): { keys: string[]; words: unknown[] } {
  const keys = new Set<string>();
  const words = new Set<unknown>();
  const seen = new Set<unknown>();
  const visit = (s: unknown): void => {
    if (!(s instanceof z.ZodType) || seen.has(s)) return;
    seen.add(s);
    const def = defOf(s);
    for (const [name, value] of Object.entries(def)) {
      if (name === 'shape' && value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          keys.add(k);
          visit(v);
        }
      } else if (name === 'entries' && def.type === 'enum' && value && typeof value === 'object') {
        for (const v of Object.values(value)) words.add(v);
      } else if (name === 'values' && def.type === 'literal' && Array.isArray(value)) {
        for (const v of value) words.add(v);
      } else if (name === 'getter' && typeof value === 'function') {
        visit((value as () => unknown)());
      } else if (Array.isArray(value)) {
        for (const v of value) visit(v);
      } else {
        visit(value);
      }
    }
  };
  visit(schema);
  return { keys: [...keys], words: [...words] };
}

/** Every zod schema and event catalog libs/contracts exports, by where it is found. */
function exported(): { schemas: [string, z.ZodType][]; catalogs: [string, EventCatalog<never>][] } {
  const schemas = new Map<z.ZodType, string>();
  const catalogs = new Map<EventCatalog<never>, string>();
  const walk = (value: unknown, path: string, depth: number): void => {
    if (value instanceof z.ZodType) {
      if (!schemas.has(value)) schemas.set(value, path);
      return;
    }
    if (value instanceof EventCatalog) {
      const catalog = value as EventCatalog<never>;
      if (!catalogs.has(catalog)) catalogs.set(catalog, path);
      return;
    }
    if (depth > 3 || value === null || typeof value !== 'object' || Array.isArray(value)) return;
    for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`, depth + 1);
  };
  for (const [name, value] of Object.entries(contracts)) if (name !== 'z') walk(value, name, 0);
  return {
    schemas: [...schemas].map(([s, p]) => [p, s]),
    catalogs: [...catalogs].map(([c, p]) => [p, c]),
  };
}

/** How long `f` takes; fails the case when it exceeds the limit. */
function timed<T>(what: string, f: () => T): T {
  const started = performance.now();
  try {
    return f();
  } finally {
    const took = performance.now() - started;
    if (took > CASE_TIME_LIMIT_MS) throw new Error(`${what} took ${Math.round(took)} ms (limit ${CASE_TIME_LIMIT_MS})`);
  }
}

/** Whether `path` leads into `input`: every step but the last exists (the last may be the missing field). */
function pathInto(input: unknown, path: readonly PropertyKey[]): boolean {
  let at: unknown = input;
  for (const [i, key] of path.entries()) {
    if (at === null || typeof at !== 'object') return false;
    const own = Object.prototype.hasOwnProperty.call(at, key as string);
    if (!own) return i === path.length - 1;
    at = (at as Record<PropertyKey, unknown>)[key as string];
  }
  return true;
}

/** What a ValidationError must be: issues, each with a path into the input, named in the message. */
function checkRefusal(what: string, input: unknown, error: unknown): void {
  if (!(error instanceof ValidationError)) {
    throw new Error(`${what} threw ${(error as Error)?.constructor?.name ?? typeof error}: ${String(error)}`);
  }
  const issues = error.details as { path: PropertyKey[]; message: string }[] | undefined;
  if (!Array.isArray(issues) || issues.length === 0)
    throw new Error(`${what}: refusal without issues: ${error.message}`);
  for (const issue of issues.slice(0, 5)) {
    if (!pathInto(input, issue.path)) {
      throw new Error(
        `${what}: issue path ${JSON.stringify(issue.path)} does not lead into the input (${issue.message})`,
      );
    }
    const named = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    if (!error.message.includes(`${named}: `))
      throw new Error(`${what}: message does not name ${named}: ${error.message}`);
  }
}

/** The prototypes of what JSON.parse and the fuzzer make (Maps, Sets and Dates pass through `unknown`). */
const INTRINSIC_PROTOTYPES = new Set<unknown>([
  Object.prototype,
  Array.prototype,
  null,
  Map.prototype,
  Set.prototype,
  Date.prototype,
]);

/** No accepted value carries a prototype other than an intrinsic one (a polluted result). */
function checkAccepted(what: string, value: unknown, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 50) return;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!INTRINSIC_PROTOTYPES.has(proto)) {
    throw new Error(`${what}: accepted a value whose prototype was replaced`);
  }
  for (const v of Object.values(value)) checkAccepted(what, v, depth + 1);
}

/** Validates as a service does; any outcome but a value or a well-formed ValidationError fails. */
function exercise(what: string, schema: z.ZodType, input: unknown): void {
  const polluted = prototypeSnapshot();
  let accepted: unknown;
  try {
    accepted = timed(what, () => validate(schema, input, what));
  } catch (e) {
    if ((e as Error).message?.includes(' took ')) throw e;
    checkRefusal(what, input, e);
  }
  checkAccepted(what, accepted);
  const changed = polluted();
  if (changed) throw new Error(`${what}: ${changed}`);
}

/** Off the wire: what JSON.stringify and JSON.parse make of a value (NaN → null, no undefined). */
const onTheWire = (value: unknown): unknown => {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return null; // nested deeper than JSON.stringify goes: the sender could not have sent it
  }
};

const { schemas, catalogs } = exported();

describe('fuzzing the contracts (fast-check, fixed seed)', () => {
  afterAll(() => recordFuzzRuns('contracts', fuzzTally.runs, fuzzTally.failures));

  it('finds the schemas and catalogs to fuzz', () => {
    expect(schemas.length).toBeGreaterThan(100);
    expect(catalogs.map(([name]) => name).sort()).toEqual(
      expect.arrayContaining([
        'nodeEvents',
        'identityEvents',
        'ruleEvents',
        'alertEvents',
        'silenceEvents',
        'userEvents',
      ]),
    );
  });

  it('would catch a decoder that throws its own TypeError, a path that names nothing, or a slow one', () => {
    const throwing = z
      .object({ a: z.string() })
      .transform((v) => (v.a.length > 3 ? (null as unknown as string).length : v));
    expect(() => exercise('throwing', throwing, { a: 'long!' })).toThrow(/throwing threw TypeError/);
    const elsewhere = z.object({ a: z.string() }).refine(() => false, { message: 'no', path: ['b', 'c'] });
    expect(() => exercise('elsewhere', elsewhere, { a: 'x' })).toThrow(/does not lead into the input/);
    const slow = z.string().refine((s) => {
      const until = performance.now() + CASE_TIME_LIMIT_MS + 50;
      while (performance.now() < until);
      return s.length > 0;
    });
    expect(() => exercise('slow', slow, 'x')).toThrow(/slow took \d+ ms/);
    const polluting = z.unknown().transform(() => Object.create({ isAdmin: true }) as object);
    expect(() => exercise('polluting', polluting, {})).toThrow(
      /polluting: accepted a value whose prototype was replaced/,
    );
    expect(() => exercise('fine', z.object({ a: z.number() }), { a: 'x' })).not.toThrow();
  });

  it.each(schemas)('%s: refuses hostile input with its own error, naming the field', (name, schema) => {
    const words = vocabulary(schema);
    fuzzAssert(
      fc.property(hostileValue(words), (input) => {
        exercise(name, schema, input);
        exercise(`${name} (off the wire)`, schema, onTheWire(input));
      }),
      RUNS_PER_SCHEMA,
    );
  });

  it.each(catalogs)('%s: reads hostile events (every type and version) with its own error', (name, catalog) => {
    const types = [...(catalog as unknown as { byType: Map<string, { versions: Record<number, z.ZodType> }> }).byType];
    const event = fc.constantFrom(...types).chain(([type, def]) => {
      const versions = Object.keys(def.versions).map(Number);
      const words = Object.values(def.versions).map(vocabulary);
      const data = hostileValue({ keys: words.flatMap((w) => w.keys), words: words.flatMap((w) => w.words) });
      return fc.record({
        id: fc.oneof(fc.uuid(), hostileString),
        type: fc.oneof({ weight: 5, arbitrary: fc.constant(type) }, hostileString),
        version: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...versions, 0, versions.length + 1) }, fc.double()),
        subject: fc.constantFrom('node.n1', 'x'),
        occurredAt: fc.constantFrom('2026-12-07T10:00:00.000Z', '2026-12-07', 'x'),
        data,
        meta: fc.oneof(
          fc.constant({ correlationId: 'c', causationId: null, actor: 'user:x' }),
          hostileValue({ keys: ['correlationId', 'causationId', 'actor'] }),
        ),
      });
    });
    fuzzAssert(
      fc.property(fc.oneof({ weight: 6, arbitrary: event }, hostileValue()), (raw) => {
        for (const input of [raw, onTheWire(raw)]) {
          const polluted = prototypeSnapshot();
          try {
            checkAccepted(
              name,
              timed(name, () => catalog.read(input)),
            );
          } catch (e) {
            if (!(e instanceof ValidationError)) throw new Error(`${name}.read threw ${String(e)}`);
            expect(e.message).toMatch(/^(invalid|unknown event type|event )/);
          }
          const changed = polluted();
          if (changed) throw new Error(`${name}: ${changed}`);
        }
      }),
      150,
    );
  });

  describe('sample batches (the ingest hot path)', () => {
    const line = fc
      .tuple(
        fc.oneof(fc.constantFrom('node_load1', 'a:b_c', '__proto__', 'x'.repeat(201)), hostileString),
        fc.oneof(
          fc.dictionary(fc.oneof(fc.constantFrom('cpu', ...PROTOTYPE_KEYS), hostileString), hostileString, {
            maxKeys: 4,
          }),
          fc.constant(undefined),
        ),
        fc.boolean(),
      )
      .map(([name, labels, canonical]) => {
        if (labels === undefined) return name;
        const entries = Object.entries(labels);
        return name + JSON.stringify(canonical ? wireObject(entries.sort(([a], [b]) => (a < b ? -1 : 1))) : labels);
      });
    const series = fc.oneof(
      fc.array(line, { maxLength: 8 }).map((lines) => lines.join('\n')),
      hostileString,
    );
    const columnar = fc.record(
      {
        v: fc.oneof({ weight: 6, arbitrary: fc.constant(2) }, hostileValue()),
        nodeId: fc.oneof({ weight: 4, arbitrary: fc.constant('web-1') }, hostileString),
        seq: fc.oneof({ weight: 4, arbitrary: fc.nat() }, hostileValue()),
        timestamp: fc.oneof({ weight: 4, arbitrary: fc.constant(1_765_000_000_000) }, hostileValue()),
        intervalMs: fc.oneof({ weight: 4, arbitrary: fc.constant(1000) }, hostileValue()),
        series,
        values: fc.oneof(fc.array(fc.double(), { maxLength: 8 }), hostileValue()),
      },
      { requiredKeys: [] },
    );

    it('readSampleBatch: a batch or a ValidationError naming the field', () => {
      fuzzAssert(
        fc.property(
          fc.oneof({ weight: 4, arbitrary: columnar }, hostileValue({ keys: ['v', 'samples', 'nodeId'] })),
          (raw) => {
            for (const input of [raw, onTheWire(raw)]) {
              try {
                const batch = timed('readSampleBatch', () => readSampleBatch(input));
                checkAccepted('readSampleBatch', batch);
                // What is accepted is what a producer could have sent: it encodes back to the same series.
                for (const s of batch.samples) {
                  expect(Object.getPrototypeOf(s.labels)).toBe(Object.prototype);
                  expect(Number.isFinite(s.value)).toBe(true);
                }
              } catch (e) {
                if ((e as Error).message?.includes(' took ')) throw e;
                checkRefusal('readSampleBatch', input, e);
              }
            }
          },
        ),
        1_000,
      );
    });

    it('decodeSampleBatch and decodeJson: any bytes are a batch or a ValidationError', () => {
      fuzzAssert(
        fc.property(
          fc.oneof(
            hostileBytes,
            columnar.map((b) => Buffer.from(JSON.stringify(onTheWire(b)) ?? '')),
          ),
          (bytes) => {
            for (const decode of [
              () => decodeSampleBatch(bytes),
              () => decodeJson(contracts.Heartbeat, bytes, 'heartbeat'),
              () => parseJson(bytes, 'payload'),
            ]) {
              try {
                timed('decode', decode);
              } catch (e) {
                if (!(e instanceof ValidationError)) throw new Error(`threw ${String(e)}`);
              }
            }
          },
        ),
        600,
      );
    });

    it('parseSeriesList: series or a ValidationError naming the line', () => {
      fuzzAssert(
        fc.property(series, (text) => {
          try {
            timed('parseSeriesList', () => parseSeriesList(text));
          } catch (e) {
            if (!(e instanceof ValidationError)) throw new Error(`threw ${String(e)}`);
            expect(e.message).toMatch(/^(limit \w+ \(\d+\) exceeded: )?(line \d+: |longer than |more than )/);
          }
        }),
        800,
      );
    });
  });

  describe('subjects, stamps, signatures, durations', () => {
    const topology = createTopology('fz', 16);
    const subject = fc.oneof(
      fc
        .array(
          fc.oneof(
            fc.constantFrom(
              'fz',
              'telemetry',
              'samples',
              'heartbeat',
              'inventory',
              'agent-events',
              '3',
              '01',
              '16',
              'web-1',
            ),
            hostileString,
          ),
          {
            maxLength: 6,
          },
        )
        .map((tokens) => tokens.join('.')),
      hostileString,
    );

    it('the telemetry parsers: undefined or a subject that the topology writes back the same', () => {
      fuzzAssert(
        fc.property(subject, (s) => {
          const parsed = timed('parse.telemetry', () => topology.parse.telemetry(s));
          const samples = topology.parse.samples(s);
          if (parsed === undefined) return expect(samples).toBeUndefined();
          const again =
            parsed.kind === 'samples'
              ? topology.subjects.samples(parsed.partition, parsed.nodeId)
              : parsed.kind === 'heartbeat'
                ? topology.subjects.heartbeat(parsed.nodeId)
                : parsed.kind === 'inventory'
                  ? topology.subjects.inventory(parsed.nodeId)
                  : topology.subjects.agentEvents(parsed.nodeId);
          expect(again).toBe(s);
        }),
        1_000,
      );
    });

    it('parseStamp: a stamp of safe integers, or undefined', () => {
      fuzzAssert(
        fc.property(
          fc.oneof(
            hostileString,
            fc.tuple(fc.bigInt(), fc.bigInt(), fc.bigInt()).map((t) => t.join(' ')),
          ),
          (text) => {
            const stamp = timed('parseStamp', () => parseStamp(text));
            if (stamp) for (const n of Object.values(stamp)) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
          },
        ),
        1_000,
      );
    });

    it('verifyMessage and checkIdentity: garbage signatures, stamps and keys are refused, never thrown', () => {
      const { publicKey } = generateKeyPairSync('ed25519');
      const identity = { key: publicKey, revoked: false };
      fuzzAssert(
        fc.property(hostileString, hostileString, hostileBytes, (signature, stamp, data) => {
          const msg = { subject: 'fz.telemetry.heartbeat.n1', msgId: 'n1:1', data };
          expect(timed('verifyMessage', () => verifyMessage(publicKey, msg, stamp, signature))).toBe(false);
          const headers = { get: (name: string) => (name === 'Vigil-Signature' ? signature : stamp) };
          const checked = checkIdentity({ ...msg, headers }, 'n1', 'n1', identity, true);
          expect(checked.ok).toBe(false);
        }),
        300,
      );
    });

    it('decodePublicKey: an Ed25519 key or an Error (registry-svc answers it as a ValidationError)', () => {
      fuzzAssert(
        fc.property(
          fc.oneof(
            hostileString,
            fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('base64')),
          ),
          (text) => {
            try {
              expect(timed('decodePublicKey', () => decodePublicKey(text)).asymmetricKeyType).toBe('ed25519');
            } catch (e) {
              // Node's crypto errors come from outside Jest's sandbox: an Error, though not the sandbox's.
              expect(Object.prototype.toString.call(e)).toBe('[object Error]');
            }
          },
        ),
        300,
      );
    });

    it('durationMs: a non-negative number of milliseconds or undefined, in bounded time', () => {
      fuzzAssert(
        fc.property(
          fc.oneof(
            hostileString,
            fc
              .array(fc.tuple(fc.nat(), fc.constantFrom('y', 'w', 'd', 'h', 'm', 's', 'ms', '')), { maxLength: 9 })
              .map((parts) => parts.map(([n, u]) => `${n}${u}`).join('')),
            fc.nat({ max: 50_000 }).map((n) => '1'.repeat(n) + 'x'),
          ),
          (text) => {
            const ms = timed('durationMs', () => durationMs(text));
            if (ms !== undefined) expect(ms >= 0).toBe(true);
          },
        ),
        800,
      );
    });
  });
});

/**
 * What the fuzzers found, kept as examples: U+0000 in text, which Postgres stores in no text or
 * jsonb column. A request holding one failed its service's query (500); an audit record holding
 * one (what a refused request sent) wedged the gateway's audit projection, and every later read
 * of the trail answered 500.
 */
describe('regressions found by fuzzing', () => {
  it.each([
    ['AuditQuery', contracts.AuditQuery, { actor: 'a\u0000' }, 'actor'],
    ['AlertHistoryRequest', contracts.AlertHistoryRequest, { node: '\u0000'.repeat(17) }, 'node'],
    [
      'CreateSilenceRequest',
      contracts.CreateSilenceRequest,
      {
        matchers: [{ label: 'node', op: '=', value: 'a' }],
        duration: '1h',
        comment: 'x\u0000',
        actor: 'user:a',
      },
      'comment',
    ],
    ['Labels', contracts.Labels, { cpu: 'a\u0000' }, 'cpu'],
    [
      'ListNotificationsRequest (a lone surrogate)',
      contracts.ListNotificationsRequest,
      { receiver: 'x\uD800' },
      'receiver',
    ],
  ])('%s refuses U+0000, naming the field', (_, schema, input, field) => {
    expect(() => validate(schema as z.ZodType, input, 'it')).toThrow(`invalid it: ${field}`);
    expect(() => validate(schema as z.ZodType, input, 'it')).toThrow(
      'must not contain U+0000 (NUL) or an unpaired surrogate',
    );
  });

  it('a sample batch with U+0000 in a label value is refused, naming the line and the label', () => {
    const batch = {
      v: 2,
      nodeId: 'n1',
      seq: 1,
      timestamp: 1,
      intervalMs: 1000,
      series: 'm{"cpu":"\\u0000"}',
      values: [1],
    };
    expect(() => readSampleBatch(batch)).toThrow('series: line 1: label cpu must not contain U+0000');
    const surrogate = { ...batch, series: 'm{"cpu":"\\ud800"}' };
    expect(() => readSampleBatch(surrogate)).toThrow(
      'series: line 1: label cpu must not contain U+0000 (NUL) or an unpaired surrogate',
    );
  });

  it('validates a value nested 200,000 deep in linear time (found with seed 7: the check of text was quadratic)', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const started = performance.now();
    expect(() => validate(contracts.AgentConfigDocument, { collectors: deep }, 'config')).toThrow(
      /^invalid config: collectors(\.0){200000}: must not contain U\+0000/,
    );
    expect(performance.now() - started).toBeLessThan(CASE_TIME_LIMIT_MS);
  });

  it('no event holding U+0000 is written (an audit record of what a refused request sent)', () => {
    const record = {
      actor: 'anonymous',
      sourceIp: '127.0.0.1',
      userAgent: '',
      requestId: 'r',
      action: 'POST /api/v1/alerts/silences',
      target: '/api/v1/alerts/silences',
      status: 400,
      outcome: 'failure',
    };
    expect(
      contracts.auditEvents.validateNew('audit.recorded', { ...record, changes: { comment: 'ok' } }),
    ).toBeDefined();
    for (const bad of ['x\u0000', 'x\uDC00y'])
      expect(() =>
        contracts.auditEvents.validateNew('audit.recorded', { ...record, changes: { comment: bad } }),
      ).toThrow('invalid audit.recorded data: changes.comment: must not contain U+0000 (NUL) or an unpaired surrogate');
  });
});

/**
 * Every request a service takes is bounded by its contract: each string has a maximum length (or
 * a format or pattern that bounds it), each array a maximum count. Read from the schemas
 * themselves (a record's entries by boundedRecord, its keys and values by their schemas), so a new
 * field without a bound fails here. The limits are REQUEST_LIMITS and SERIES_LIMITS.
 */
describe('bounds of every request', () => {
  /** Bounded by a refinement, which the schema's structure does not show (checked in its own tests). */
  const BOUNDED_BY_REFINEMENT = new Set(['CreateApiKeyRequest.scope{}']);

  /** Whether a pattern bounds the length of what it matches (no unbounded repetition). */
  const boundedPattern = (source: string) => !/[*+]|\{\d+,\}/.test(source.replace(/\\./g, ''));

  function unbounded(schema: z.ZodType, at: string, out: Set<string>, seen = new Set<unknown>()): Set<string> {
    if (seen.has(schema)) return out;
    seen.add(schema);
    const def = defOf(schema);
    const checks = ((def.checks as { _zod: { def: Record<string, unknown> } }[] | undefined) ?? []).map(
      (c) => c._zod.def,
    );
    const has = (kind: string) => checks.some((c) => c.check === kind);
    const patterns = checks.filter((c) => c.check === 'string_format').map((c) => c.pattern as RegExp | undefined);
    if (def.type === 'string') {
      const bounded =
        has('max_length') ||
        has('length_equals') ||
        patterns.some((p) => p === undefined || boundedPattern(p.source)) ||
        typeof def.format === 'string';
      if (!bounded) out.add(at);
    }
    if (def.type === 'array' && !has('max_length')) out.add(at);
    if (def.type === 'record' && contracts.recordBound(schema) === undefined) out.add(`${at}{}`);
    const next = (s: unknown, where: string) => s instanceof z.ZodType && unbounded(s, where, out, seen);
    switch (def.type) {
      case 'object':
        for (const [k, v] of Object.entries(def.shape as Record<string, z.ZodType>)) next(v, `${at}.${k}`);
        break;
      case 'array':
        next(def.element, `${at}[]`);
        break;
      case 'record':
        next(def.keyType, `${at}{key}`);
        next(def.valueType, `${at}{}`);
        break;
      default:
        for (const [name, v] of Object.entries(def)) {
          if (name === 'element' || name === 'shape') continue;
          if (Array.isArray(v)) for (const o of v) next(o, at);
          else next(v, at);
        }
    }
    return out;
  }

  it('has a bound on every string, array and record of every request', () => {
    const found = new Set<string>();
    for (const [name, value] of Object.entries(contracts)) {
      if (value instanceof z.ZodType && /(Request|Query)$/.test(name)) unbounded(value, name, found);
    }
    expect([...found].filter((f) => !BOUNDED_BY_REFINEMENT.has(f)).sort()).toEqual([]);
    expect(() => validate(contracts.CreateApiKeyRequest, { name: 'k', scope: {} }, 'key')).toThrow(/scope/);
  });

  it('would report a string without a bound, and an array', () => {
    const found = unbounded(
      z.object({ a: z.string(), b: z.array(z.string().max(3)), c: z.string().regex(/^x{1,3}$/) }),
      'X',
      new Set(),
    );
    expect([...found]).toEqual(['X.a', 'X.b']);
  });

  it('would report a record without a bound on its entries, and its unbounded keys', () => {
    const found = unbounded(
      z.object({
        a: z.record(z.string().max(3), z.string().max(3)),
        b: contracts.boundedRecord(z.string().regex(/^k+$/), z.string().max(3), 'rule_labels'),
      }),
      'X',
      new Set(),
    );
    expect([...found]).toEqual(['X.a{}', 'X.b{key}']);
  });
});
