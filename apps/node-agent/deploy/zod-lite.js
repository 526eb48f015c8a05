'use strict';
/**
 * zod-lite: the part of zod 4's API that the contract schemas the agent reaches are built
 * with (and the agent's own: its environment, stored credentials, collected samples),
 * implemented small. The agent's bundle resolves `zod` to this file (deploy/bundle.js):
 * zod itself costs the agent ~3.6 MB of RSS before a schema is built and its schemas 1.3 MB
 * more, for a process whose whole budget is 60 MB. Everything else (services, tests,
 * the unbundled agent) runs real zod.
 *
 * It is not a second contract: the schemas are the same `libs/contracts` source, built
 * with these constructors instead of zod's. `zod-lite.int.spec.ts` parses a corpus of valid
 * documents and thousands of mutations of them with both builds of every schema the agent
 * uses and requires the same answers: success, output data, and each issue's path and
 * message (so an operator reading a rejected config sees what zod would have said).
 *
 * Semantics follow zod 4.x (checked against 4.6): unknown object keys stripped unless
 * `catchall`; `default` short-circuits on `undefined` with a shallow copy of its value;
 * every check of a type runs unless an earlier issue aborted (a type or integer mismatch);
 * a transform or pipe runs only on a valid input; a union takes its first valid option,
 * else the only option that did not abort, else one `invalid_union` issue. A constructor
 * or method outside this subset is missing here, so a contract using one fails the bundle's
 * build test rather than validating differently.
 */

const NEVER = Object.freeze({ status: 'aborted' });

class ZodError extends Error {
  constructor(issues) {
    super(JSON.stringify(issues, null, 2));
    this.name = 'ZodError';
    this.issues = issues;
  }
}

/** zod's `util.parsedType`, as its messages name a received value. */
function parsedType(data) {
  const t = typeof data;
  if (t === 'number') return Number.isNaN(data) ? 'NaN' : Number.isFinite(data) ? 'number' : String(data);
  if (t === 'object') {
    if (data === null) return 'null';
    if (Array.isArray(data)) return 'array';
    if (Object.getPrototypeOf(data) !== Object.prototype && 'constructor' in data && data.constructor)
      return data.constructor.name;
  }
  return t;
}
const show = (v) => (typeof v === 'string' ? `"${v}"` : typeof v === 'bigint' ? `${v}n` : `${v}`);
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPlainObject = (v) => {
  if (!isObject(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || (proto !== null && Object.getPrototypeOf(proto) === null);
};
const shallowClone = (v) => (Array.isArray(v) ? [...v] : isObject(v) ? { ...v } : v);
/** An issue that does not stop the checks after it (a check failing, not a type). */
const aborted = (issues, from = 0) => {
  for (let i = from; i < issues.length; i++) if (issues[i].continue !== true) return true;
  return false;
};
/** An issue that stops even the length checks (an integer check failing does). */
const explicitlyAborted = (issues, from = 0) => {
  for (let i = from; i < issues.length; i++) if (issues[i].continue === false) return true;
  return false;
};
/** zod's origin of a length check's issue: the input's own kind, whatever the schema's type. */
const lengthOrigin = (v) => (Array.isArray(v) ? 'array' : typeof v === 'string' ? 'string' : 'unknown');
const typeIssue = (expected, input, path) => ({
  code: 'invalid_type',
  expected,
  path,
  message: `Invalid input: expected ${expected}, received ${parsedType(input)}`,
});
const sizeUnit = { string: 'characters', array: 'items' };
function sizeIssue(code, origin, bound, inclusive, path, message) {
  const adj = code === 'too_small' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
  const unit = sizeUnit[origin];
  const what = code === 'too_small' ? 'Too small' : 'Too big';
  const text = unit
    ? `${what}: expected ${origin} to have ${adj}${bound} ${unit}`
    : `${what}: expected ${origin} to be ${adj}${bound}`;
  return { code, origin, path, message: message ?? text, continue: true };
}
const messageOf = (params) => (typeof params === 'string' ? params : (params?.message ?? params?.error));

class ZodType {
  constructor(props) {
    Object.assign(this, props);
  }
  /** Subclasses: `_run(value, path, issues)` returns the output, pushing issues (paths absolute). */
  safeParse(value) {
    const issues = [];
    const data = this._run(value, [], issues);
    return issues.length === 0
      ? { success: true, data }
      : { success: false, error: new ZodError(issues.map(finalize)) };
  }
  parse(value) {
    const result = this.safeParse(value);
    if (!result.success) throw result.error;
    return result.data;
  }
  _with(props) {
    return new this.constructor({ ...this, ...props });
  }
  _check(check, onLength = false) {
    return this._with({ checks: [...(this.checks ?? []), { check, onLength }] });
  }
  /**
   * The schema's checks, after its type check whatever its outcome, as zod runs them: a
   * check is skipped once an issue since `from` aborted, except a length check (min/max of
   * a string or array), which runs on anything with a length unless an issue explicitly
   * aborted (an integer check).
   */
  _runChecks(value, path, issues, from) {
    for (const { check, onLength } of this.checks ?? []) {
      if (onLength) {
        if (explicitlyAborted(issues, from) || value === null || value === undefined || value.length === undefined)
          continue;
      } else if (aborted(issues, from)) continue;
      check(value, path, issues);
    }
  }
  /** A min/max length check: `compare(length)` true is an issue. */
  _length(code, n, params, bad) {
    return this._check(
      (v, path, issues) =>
        bad(v.length) && issues.push(sizeIssue(code, lengthOrigin(v), n, true, path, messageOf(params))),
      true,
    );
  }
  refine(fn, params) {
    return this._check((value, path, issues) => {
      if (!fn(value))
        issues.push({ code: 'custom', path, message: messageOf(params) ?? 'Invalid input', continue: true });
    });
  }
  /** zod's superRefine: `ctx.addIssue` reports issues whose path is relative to this value's. */
  superRefine(fn) {
    return this._check((value, path, issues) => {
      fn(value, {
        value,
        addIssue: (issue) =>
          issues.push({
            code: 'custom',
            message: 'Invalid input',
            ...issue,
            path: [...path, ...(issue.path ?? [])],
            continue: issue.continue ?? true,
          }),
      });
    });
  }
  optional() {
    return new ZodOptional({ inner: this });
  }
  nullable() {
    return new ZodNullable({ inner: this });
  }
  default(value) {
    return new ZodDefault({ inner: this, value });
  }
  transform(fn) {
    return new ZodPipe({ from: this, to: new ZodTransform({ fn }) });
  }
  pipe(to) {
    return new ZodPipe({ from: this, to });
  }
  and(other) {
    return new ZodIntersection({ left: this, right: other });
  }
  or(other) {
    return union([this, other]);
  }
  array() {
    return array(this);
  }
}

/** Drops the bookkeeping, as zod's finalized issues carry none. */
function finalize(issue) {
  const { continue: _continue, ...rest } = issue;
  return rest;
}

class ZodString extends ZodType {
  _run(value, path, issues) {
    const from = issues.length;
    let out = value;
    if (typeof value !== 'string') issues.push(typeIssue('string', value, path));
    else if (this.format) out = this.format(value, path, issues);
    this._runChecks(value, path, issues, from);
    return out;
  }
  min(n, params) {
    return this._length('too_small', n, params, (length) => length < n);
  }
  max(n, params) {
    return this._length('too_big', n, params, (length) => length > n);
  }
  regex(re, params) {
    return this._check((v, path, issues) => {
      re.lastIndex = 0;
      if (!re.test(v))
        issues.push({
          code: 'invalid_format',
          format: 'regex',
          path,
          message: messageOf(params) ?? `Invalid string: must match pattern ${re}`,
          continue: true,
        });
    });
  }
}

const formatIssue = (format, name, path) => ({
  code: 'invalid_format',
  format,
  path,
  message: `Invalid ${name}`,
  continue: true,
});
const UUID =
  /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;
const DATE = `(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))`;
/** zod's `iso.datetime` regex for any precision, `Z` or an offset (when allowed), never a local time. */
const datetimeRegex = (offset) =>
  new RegExp(
    `^${DATE}T(?:(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:${offset ? 'Z|([+-](?:[01]\\d|2[0-3]):[0-5]\\d)' : 'Z'}))$`,
  );

function string(params) {
  return new ZodString({ params });
}
function uuid() {
  return new ZodString({
    format: (v, path, issues) => (UUID.test(v) ? v : (issues.push(formatIssue('uuid', 'UUID', path)), v)),
  });
}
/** zod 4's `url()` without options: whatever `URL` can parse, trimmed, its tabs and newlines removed. */
function url() {
  return new ZodString({
    format: (v, path, issues) => {
      const trimmed = v.trim();
      if (URL.canParse(trimmed)) return trimmed.replace(/[\t\n\r]/g, '');
      issues.push(formatIssue('url', 'URL', path));
      return v;
    },
  });
}
const iso = {
  datetime(params) {
    const re = datetimeRegex(Boolean(params?.offset));
    if (params && (params.local || params.precision !== undefined))
      throw new Error('zod-lite: iso.datetime supports only { offset }');
    return new ZodString({
      format: (v, path, issues) => (re.test(v) ? v : (issues.push(formatIssue('datetime', 'ISO datetime', path)), v)),
    });
  },
};

class ZodNumber extends ZodType {
  _run(value, path, issues) {
    const from = issues.length;
    if (this.coerce) value = Number(value);
    if (typeof value !== 'number' || !Number.isFinite(value)) issues.push(typeIssue('number', value, path));
    this._runChecks(value, path, issues, from);
    return value;
  }
  int(params) {
    return this._check((v, path, issues) => {
      if (!Number.isInteger(v)) {
        issues.push({
          ...typeIssue('int', v, path),
          message: messageOf(params) ?? 'Invalid input: expected int, received number',
          continue: false,
        });
      } else if (!Number.isSafeInteger(v)) {
        const big = v > 0;
        issues.push(
          sizeIssue(
            big ? 'too_big' : 'too_small',
            'int',
            big ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER,
            true,
            path,
            messageOf(params),
          ),
        );
      }
    });
  }
  min(n, params) {
    return this._check(
      (v, path, issues) => v < n && issues.push(sizeIssue('too_small', 'number', n, true, path, messageOf(params))),
    );
  }
  max(n, params) {
    return this._check(
      (v, path, issues) => v > n && issues.push(sizeIssue('too_big', 'number', n, true, path, messageOf(params))),
    );
  }
  positive(params) {
    return this._check(
      (v, path, issues) => v <= 0 && issues.push(sizeIssue('too_small', 'number', 0, false, path, messageOf(params))),
    );
  }
  nonnegative(params) {
    return this.min(0, params);
  }
}

class ZodBoolean extends ZodType {
  _run(value, path, issues) {
    const from = issues.length;
    if (typeof value !== 'boolean') issues.push(typeIssue('boolean', value, path));
    this._runChecks(value, path, issues, from);
    return value;
  }
}

class ZodUnknown extends ZodType {
  _run(value) {
    return value;
  }
}

class ZodValues extends ZodType {
  _run(value, path, issues) {
    if (!this.values.includes(value)) {
      const message =
        this.values.length === 1
          ? `Invalid input: expected ${show(this.values[0])}`
          : `Invalid option: expected one of ${this.values.map(show).join('|')}`;
      issues.push({ code: 'invalid_value', values: this.values, path, message });
    }
    return value;
  }
}
function literal(value) {
  if (Array.isArray(value)) throw new Error('zod-lite: literal of several values is not supported');
  return new ZodValues({ values: [value] });
}
function enumOf(values) {
  if (!Array.isArray(values)) throw new Error('zod-lite: enum takes an array of values');
  const schema = new ZodValues({ values: [...values] });
  schema.options = [...values];
  schema.enum = Object.fromEntries(values.map((v) => [v, v]));
  return schema;
}

/*
 * `optin` / `optout`: zod's optionality of a schema's input and output, which decides what an
 * object makes of an absent key (see ZodObject). Undefined unless a wrapper says otherwise.
 */
class ZodOptional extends ZodType {
  _run(value, path, issues) {
    return value === undefined ? undefined : this.inner._run(value, path, issues);
  }
  get optin() {
    return this.inner.optin === 'defaulted' ? 'defaulted' : 'optional';
  }
  get optout() {
    return 'optional';
  }
}
class ZodNullable extends ZodType {
  _run(value, path, issues) {
    return value === null ? null : this.inner._run(value, path, issues);
  }
  get optin() {
    return this.inner.optin;
  }
  get optout() {
    return this.inner.optout;
  }
}
class ZodDefault extends ZodType {
  _run(value, path, issues) {
    return value === undefined ? shallowClone(this.value) : this.inner._run(value, path, issues);
  }
  get optin() {
    return 'defaulted';
  }
}

class ZodTransform extends ZodType {
  _run(value, path, issues) {
    const ctx = {
      issues: {
        push: (...added) =>
          issues.push(
            ...added.map((i) => ({ ...i, path: [...path, ...(i.path ?? [])], message: i.message ?? 'Invalid input' })),
          ),
      },
      addIssue: (i) => ctx.issues.push(typeof i === 'string' ? { code: 'custom', message: i } : i),
    };
    return this.fn(value, ctx);
  }
  get optin() {
    return 'optional';
  }
}
class ZodPipe extends ZodType {
  _run(value, path, issues) {
    const from = issues.length;
    const out = this.from._run(value, path, issues);
    return issues.length > from ? out : this.to._run(out, path, issues);
  }
  get optin() {
    return this.from.optin;
  }
  get optout() {
    return this.to.optout;
  }
}

class ZodArray extends ZodType {
  _run(value, path, issues) {
    const from = issues.length;
    let out = value;
    if (!Array.isArray(value)) issues.push(typeIssue('array', value, path));
    else {
      out = new Array(value.length);
      for (let i = 0; i < value.length; i++) out[i] = this.element._run(value[i], [...path, i], issues);
    }
    this._runChecks(value, path, issues, from);
    return out;
  }
  min(n, params) {
    return this._length('too_small', n, params, (length) => length < n);
  }
  max(n, params) {
    return this._length('too_big', n, params, (length) => length > n);
  }
}
function array(element) {
  return new ZodArray({ element });
}

class ZodObject extends ZodType {
  _run(value, path, issues) {
    const from = issues.length;
    if (!isObject(value)) {
      issues.push(typeIssue('object', value, path));
      this._runChecks(value, path, issues, from);
      return value;
    }
    const out = {};
    for (const key of Object.keys(this.shape)) {
      // zod's handlePropertyResult: what an absent key means depends on the schema's optionality in and out.
      const child = this.shape[key];
      const own = [];
      const result = child._run(value[key], [...path, key], own);
      const present = key in value;
      const { optin } = child;
      const optionalOut = child.optout === 'optional';
      if (!present && optionalOut && optin === 'optional') continue;
      if (own.length > 0) {
        if (optin !== undefined && optionalOut && !present) continue;
        issues.push(...own);
      }
      if (!present && optin === undefined) {
        if (own.length === 0)
          issues.push({
            code: 'invalid_type',
            expected: 'nonoptional',
            path: [...path, key],
            message: 'Invalid input: expected nonoptional, received undefined',
          });
        continue;
      }
      if (result !== undefined) out[key] = result;
      else if (present || (optin === 'defaulted' && !optionalOut)) out[key] = undefined;
    }
    if (this.rest) {
      for (const key of Object.keys(value)) {
        if (key in this.shape || key === '__proto__') continue;
        out[key] = this.rest._run(value[key], [...path, key], issues);
      }
    }
    this._runChecks(value, path, issues, from);
    return out;
  }
  catchall(rest) {
    return this._with({ rest });
  }
}
function object(shape) {
  return new ZodObject({ shape: { ...shape } });
}

class ZodRecord extends ZodType {
  _run(value, path, issues) {
    if (!isPlainObject(value)) {
      issues.push(typeIssue('record', value, path));
      return value;
    }
    const out = {};
    const unrecognized = [];
    for (const key of Object.keys(value)) {
      if (key === '__proto__') continue;
      const keyIssues = [];
      const outKey = this.key._run(key, [], keyIssues);
      if (keyIssues.length > 0) {
        if (this.key instanceof ZodValues) unrecognized.push(key);
        else
          issues.push({
            code: 'invalid_key',
            origin: 'record',
            path: [...path, key],
            message: 'Invalid key in record',
          });
        continue;
      }
      out[outKey] = this.value._run(value[key], [...path, key], issues);
    }
    if (unrecognized.length > 0) {
      issues.push({
        code: 'unrecognized_keys',
        keys: unrecognized,
        path,
        message: `Unrecognized key${unrecognized.length > 1 ? 's' : ''}: ${unrecognized.map(show).join(', ')}`,
        continue: true,
      });
    }
    return out;
  }
}
function record(key, value) {
  if (key instanceof ZodValues)
    throw new Error('zod-lite: a record over an enum (exhaustive) is not supported; use partialRecord');
  return new ZodRecord({ key, value });
}
function partialRecord(key, value) {
  return new ZodRecord({ key, value });
}

class ZodUnion extends ZodType {
  _run(value, path, issues) {
    const results = this.options.map((option) => {
      const own = [];
      return { value: option._run(value, path, own), issues: own };
    });
    const valid = results.find((r) => r.issues.length === 0);
    if (valid) return valid.value;
    const nonAborted = results.filter((r) => !aborted(r.issues));
    if (nonAborted.length === 1) {
      issues.push(...nonAborted[0].issues);
      return nonAborted[0].value;
    }
    issues.push({ code: 'invalid_union', path, message: 'Invalid input' });
    return value;
  }
  get optin() {
    const ins = this.options.map((o) => o.optin);
    return ins.includes('defaulted') ? 'defaulted' : ins.some((o) => o !== undefined) ? 'optional' : undefined;
  }
  get optout() {
    return this.options.some((o) => o.optout === 'optional') ? 'optional' : undefined;
  }
}
function union(options) {
  return new ZodUnion({ options: [...options] });
}

class ZodDiscriminatedUnion extends ZodType {
  _run(value, path, issues) {
    if (!isObject(value)) {
      issues.push(typeIssue('object', value, path));
      return value;
    }
    const option = this.options.find((o) => o.shape[this.discriminator].values.includes(value[this.discriminator]));
    if (option) return option._run(value, path, issues);
    const expected = this.options.flatMap((o) => o.shape[this.discriminator].values).map((v) => `'${v}'`);
    issues.push({
      code: 'invalid_union',
      path: [...path, this.discriminator],
      message: `Invalid discriminator value. Expected ${expected.join(' | ')}`,
    });
    return value;
  }
}
function discriminatedUnion(discriminator, options) {
  for (const o of options) {
    if (!(o instanceof ZodObject) || !(o.shape[discriminator] instanceof ZodValues))
      throw new Error(`zod-lite: each option needs a literal "${discriminator}"`);
  }
  return new ZodDiscriminatedUnion({ discriminator, options: [...options] });
}

function merge(a, b) {
  if (a === b) return { valid: true, data: a };
  if (isPlainObject(a) && isPlainObject(b)) {
    const data = { ...a };
    for (const key of Object.keys(b)) {
      if (!(key in a)) data[key] = b[key];
      else {
        const merged = merge(a[key], b[key]);
        if (!merged.valid) return merged;
        data[key] = merged.data;
      }
    }
    return { valid: true, data };
  }
  return { valid: false };
}
class ZodIntersection extends ZodType {
  _run(value, path, issues) {
    const from = issues.length;
    const left = this.left._run(value, path, issues);
    const right = this.right._run(value, path, issues);
    if (aborted(issues, from)) return value;
    const merged = merge(left, right);
    if (!merged.valid) throw new Error('Unmergeable intersection');
    return merged.data;
  }
}

module.exports = {
  NEVER,
  ZodError,
  ZodType,
  string,
  url,
  uuid,
  iso,
  number: (params) => new ZodNumber({ params }),
  boolean: () => new ZodBoolean({}),
  unknown: () => new ZodUnknown({}),
  literal,
  enum: enumOf,
  object,
  array,
  record,
  partialRecord,
  union,
  discriminatedUnion,
  intersection: (left, right) => new ZodIntersection({ left, right }),
  coerce: { number: (params) => new ZodNumber({ params, coerce: true }) },
};
