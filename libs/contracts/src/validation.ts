import * as z from 'zod';
import { ValidationError } from './errors';

/** Parses `value` with `schema`, throwing a ValidationError whose message names every failing path. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(`invalid ${what}: ${describeIssues(result.error)}`, result.error.issues);
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
