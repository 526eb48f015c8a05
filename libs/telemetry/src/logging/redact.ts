export const REDACTED = '[REDACTED]';

/** Key names compared lower-cased with `-` and `_` removed, so `API_KEY`, `apiKey` and `Api-Key` all match. */
const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'authorization',
  'cookie',
  'webhook',
  'webhookurl',
  'key',
  'accesstoken',
  'refreshtoken',
  'privatekey',
  // header spellings of the same secrets
  'setcookie',
  'xapikey',
]);

/**
 * `scheme://userinfo@`: the userinfo run stops at characters that cannot be part of it in a URL
 * written inside text or JSON, and backtracks to its last `@`, so `p@ss` in an unencoded password is still covered.
 */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'<>\\]*)@/gi;

/** A JSON object key: a complete string token followed by a colon. */
const JSON_KEY = /"((?:[^"\\]|\\.)*)"\s*:/g;

/**
 * Masks the credentials of every URL in `text`: `postgres://vigil:s3cret@db/vigil` becomes
 * `postgres://vigil:[REDACTED]@db/vigil`; a userinfo without a password (a NATS or Redis token) is masked whole.
 */
export function redactUrl(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_USERINFO, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? `${scheme}${REDACTED}@` : `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`;
  });
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/**
 * Redacts one JSON log line as written: URL credentials anywhere, and the value of every secret key
 * at any depth, whether it came from the log call, a child's bindings or a serializer.
 * Only a line that has a secret key is parsed and written again.
 */
export function redactLogLine(line: string): string {
  const masked = redactUrl(line);
  for (const [, key] of masked.matchAll(JSON_KEY)) {
    if (isSecretKey(key)) return `${JSON.stringify(redactSecretKeys(JSON.parse(masked)))}\n`;
  }
  return masked;
}

function redactSecretKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecretKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, isSecretKey(k) ? REDACTED : redactSecretKeys(v)]),
  );
}
