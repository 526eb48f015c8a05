import { createHmac } from 'node:crypto';

/**
 * Headers of a generic webhook request:
 *
 *   Content-Type: application/json
 *   Idempotency-Key: <notification id>     the same on every retry of one delivery: store it, drop repeats
 *   X-Vigil-Timestamp: <unix seconds>      when this attempt was signed       (only with a secret)
 *   X-Vigil-Signature: sha256=<hex>        HMAC-SHA256 of `<timestamp>.<body>` (only with a secret)
 *
 * A receiver verifies a request by computing HMAC-SHA256 with the shared secret (UTF-8) as key
 * over the X-Vigil-Timestamp value, a `.`, and the raw request body bytes exactly as received
 * (before any JSON parsing), hex-encoding it, and comparing it with the part of X-Vigil-Signature
 * after `sha256=` in constant time (crypto.timingSafeEqual, hmac.compare_digest). It should also
 * refuse timestamps more than a few minutes from its clock, so a captured request cannot be replayed
 * later, and use Idempotency-Key to ignore a retry of a delivery it already processed. Example:
 *
 *   printf '%s.%s' "$timestamp" "$body" | openssl dgst -sha256 -hmac "$secret"
 */
export const WEBHOOK_HEADERS = {
  idempotencyKey: 'Idempotency-Key',
  timestamp: 'X-Vigil-Timestamp',
  signature: 'X-Vigil-Signature',
} as const;

export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}
