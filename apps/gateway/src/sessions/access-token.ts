import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an access token says: whose session, and until when (ms since the epoch). The role is the session's, read per request. */
export interface AccessClaims {
  sid: string;
  sub: string;
  exp: number;
}

const PREFIX = 'vat1';

const mac = (payload: string, key: Buffer) => createHmac('sha256', key).update(`${PREFIX}.${payload}`).digest();

/** `vat1.<claims, base64url JSON>.<HMAC-SHA256, base64url>`. */
export function signAccessToken(claims: AccessClaims, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${PREFIX}.${payload}.${mac(payload, key).toString('base64url')}`;
}

/** The claims of a token signed with `key` and not expired at `nowMs`; undefined for anything else. */
export function verifyAccessToken(token: string, key: Buffer, nowMs: number): AccessClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX || token.length > 2048) return undefined;
  const [, payload, signature] = parts;
  const expected = mac(payload, key);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let claims: Partial<AccessClaims>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<AccessClaims>;
  } catch {
    return undefined;
  }
  if (typeof claims.sid !== 'string' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number')
    return undefined;
  if (claims.exp <= nowMs) return undefined;
  return { sid: claims.sid, sub: claims.sub, exp: claims.exp };
}
