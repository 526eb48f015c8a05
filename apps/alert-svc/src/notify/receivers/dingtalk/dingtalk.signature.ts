import { createHmac } from 'node:crypto';

/**
 * DingTalk's signing ("加签"): `sign` is the Base64 of HMAC-SHA256 over `timestamp + "\n" + secret`,
 * keyed with the secret, then URL-encoded into the query next to `timestamp` (ms; DingTalk refuses
 * one more than an hour from its clock). Returned un-encoded: URLSearchParams encodes it.
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}
