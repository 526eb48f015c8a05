import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * API keys look like GitHub's tokens, so secret scanners recognise them: `vgl_`, 30 random
 * base62 characters (~178 bits), and a 6-character base62 CRC32 of those, which tells a
 * mistyped or made-up key from a real one without a lookup.
 */
export const KEY_PREFIX = 'vgl_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_CHARS = 30;
const CHECKSUM_CHARS = 6;
const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}$`);

function base62(value: number, width: number): string {
  let out = '';
  for (let v = value; v > 0; v = Math.floor(v / 62)) out = ALPHABET[v % 62] + out;
  return out.padStart(width, '0');
}

const checksum = (body: string) => base62(crc32(body), CHECKSUM_CHARS);

export function generateApiKey(): string {
  let body = '';
  // Rejection sampling: bytes ≥ 248 would bias the alphabet.
  while (body.length < RANDOM_CHARS) {
    for (const b of randomBytes(RANDOM_CHARS)) if (b < 248 && body.length < RANDOM_CHARS) body += ALPHABET[b % 62];
  }
  return `${KEY_PREFIX}${body}${checksum(body)}`;
}

/** Whether `token` has the shape of a key and its checksum matches (not whether the key exists). */
export function wellFormedApiKey(token: string): boolean {
  if (!KEY_PATTERN.test(token)) return false;
  const body = token.slice(KEY_PREFIX.length, KEY_PREFIX.length + RANDOM_CHARS);
  return token.slice(KEY_PREFIX.length + RANDOM_CHARS) === checksum(body);
}
