import { z } from 'zod';
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
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (e) {
    throw new ValidationError(`invalid ${what}: not JSON (${(e as Error).message})`);
  }
  return validate(schema, value, what);
}

export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value));
}
