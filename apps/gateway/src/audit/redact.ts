/** Field names whose values are never recorded. */
const SECRET_FIELD = /pass(word)?|secret|token|credential|authorization|^key$|apikey/i;
const MAX_BYTES = 16_384;

/** U+0000 and unpaired surrogates, which no event may hold (Postgres stores them nowhere), as U+FFFD. */
const storable = (text: string) =>
  text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** The value with every secret-looking field's value replaced by `[redacted]`. */
function redactValue(value: unknown, depth: number): unknown {
  if (depth > 20) return '[too deep]';
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        storable(k),
        SECRET_FIELD.test(k) ? '[redacted]' : redactValue(v, depth + 1),
      ]),
    );
  }
  return value;
}

/**
 * What a caller sent, as the audit trail records it: secrets redacted, and at most 16 KiB
 * (beyond that only its size).
 */
export function auditChanges(body: unknown): unknown {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'object' && Object.keys(body).length === 0) return undefined;
  const redacted = redactValue(body, 0);
  const bytes = Buffer.byteLength(JSON.stringify(redacted) ?? '');
  return bytes > MAX_BYTES ? { truncated: true, bytes } : redacted;
}
