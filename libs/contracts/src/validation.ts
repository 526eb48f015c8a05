import * as z from 'zod';
import { ValidationError } from './errors';

/**
 * Parses `value` with `schema`, throwing a ValidationError whose message names every failing path.
 * Whatever it accepts holds no U+0000 nor unpaired surrogate in any string or key (unstorableTextIssue).
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ValidationError(`invalid ${what}: ${describeIssues(result.error)}`, result.error.issues);
  const text = unstorableTextIssue(result.data);
  if (text) throw new ValidationError(`invalid ${what}: ${text.path.join('.')}: ${text.message}`, [text]);
  return result.data;
}

/** What the contracts say of text Postgres cannot store, wherever it is refused. */
export const UNSTORABLE_TEXT_MESSAGE = 'must not contain U+0000 (NUL) or an unpaired surrogate';

/** U+0000, or a UTF-16 surrogate without its other half (what no UTF-8 text can hold). */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether Postgres could store `text` in a text or jsonb column (unstorableTextIssue). */
export const storableText = (text: string): boolean => !UNSTORABLE.test(text);

/**
 * Text that crosses a process never holds U+0000 nor an unpaired surrogate (JSON carries both as
 * escapes): Postgres stores neither in a text or jsonb column, so one such character in a request,
 * an event or a label would fail its service's query, or wedge the projection that reads the event,
 * forever. The first string or key holding one, as a zod issue with its path; undefined when there
 * is none. Iterative, so no nesting overflows it.
 */
export function unstorableTextIssue(
  value: unknown,
): { code: 'custom'; path: PropertyKey[]; message: string } | undefined {
  // Each entry knows its parent and key: the path is built only for the one reported, so a deep
  // value costs linear time (copying the path at every level was quadratic: a 1 MB message of
  // nested arrays would have held a service for hours).
  interface Entry {
    value: unknown;
    parent: Entry | undefined;
    key: PropertyKey;
  }
  const pathOf = (e: Entry | undefined, last?: PropertyKey): PropertyKey[] => {
    const path: PropertyKey[] = last === undefined ? [] : [last];
    for (let at = e; at?.parent; at = at.parent) path.push(at.key);
    return path.reverse();
  };
  const stack: Entry[] = [{ value, parent: undefined, key: '' }];
  const seen = new Set<object>();
  while (stack.length) {
    const entry = stack.pop() as Entry;
    const v = entry.value;
    if (typeof v === 'string') {
      if (!storableText(v)) return { code: 'custom', path: pathOf(entry), message: UNSTORABLE_TEXT_MESSAGE };
    } else if (v !== null && typeof v === 'object' && !seen.has(v)) {
      seen.add(v);
      if (Array.isArray(v)) for (let i = 0; i < v.length; i++) stack.push({ value: v[i], parent: entry, key: i });
      else if (v instanceof Map)
        for (const [k, e] of v)
          stack.push({ value: k, parent: entry, key: String(k) }, { value: e, parent: entry, key: String(k) });
      else if (!(v instanceof Date) && !ArrayBuffer.isView(v)) {
        for (const k of Object.keys(v)) {
          if (!storableText(k))
            return { code: 'custom', path: pathOf(entry, k), message: `name ${UNSTORABLE_TEXT_MESSAGE}` };
          stack.push({ value: (v as Record<string, unknown>)[k], parent: entry, key: k });
        }
      }
    }
  }
  return undefined;
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Decodes a JSON payload and validates it; a payload that is not JSON is a ValidationError too. */
export function decodeJson<S extends z.ZodType>(schema: S, data: Uint8Array, what: string): z.infer<S> {
  return validate(schema, parseJson(data, what), what);
}

/** Parses a JSON payload; a payload that is not JSON is a ValidationError. */
export function parseJson(data: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (e) {
    throw new ValidationError(`invalid ${what}: not JSON (${(e as Error).message})`);
  }
}

export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value));
}
