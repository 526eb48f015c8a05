import type { NotifyResult } from './notification';

/**
 * The one place that decides whether a failed delivery is worth trying again (Alertmanager's
 * notify.Retrier): 2xx is delivered; 408, 429 and 5xx are retried; every other status is not
 * (the request itself is wrong and will stay wrong); network errors and timeouts are retried.
 * `Retry-After` (seconds or an HTTP date) becomes `retryAfterMs`; the pipeline caps it.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

export interface HttpAnswer {
  status: number;
  /** The `Retry-After` header, if any. */
  retryAfter?: string | null;
  /** A short, already scrubbed excerpt of what the server said, for the error message. */
  detail?: string;
}

export function classifyHttpAnswer(answer: HttpAnswer, now = Date.now()): NotifyResult {
  const { status } = answer;
  if (status >= 200 && status <= 299) return { ok: true, retry: false, status };
  const retry = isRetryableStatus(status);
  const retryAfterMs = retry ? parseRetryAfter(answer.retryAfter, now) : undefined;
  const error = answer.detail ? `HTTP ${status}: ${answer.detail}` : `HTTP ${status}`;
  return { ok: false, retry, status, error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/** `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`, in ms from `now`; undefined if absent or malformed. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A provider that answers 200 with its own code said "too many requests": retried, after `retryAfterMs` if it said. */
export function rateLimited(status: number, error: string, retryAfterMs?: number): NotifyResult {
  return { ok: false, retry: true, status, error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/** The request never got an answer. */
export type RequestFailure =
  { kind: 'timeout'; timeoutMs: number } | { kind: 'aborted' } | { kind: 'network'; code?: string; message: string };

export function classifyRequestFailure(failure: RequestFailure): NotifyResult {
  switch (failure.kind) {
    case 'timeout':
      return { ok: false, retry: true, error: `no answer within ${failure.timeoutMs} ms` };
    case 'aborted':
      return { ok: false, retry: true, error: 'cancelled by the pipeline' };
    case 'network':
      return { ok: false, retry: true, error: failure.code ? `${failure.message} (${failure.code})` : failure.message };
    default: {
      const never: never = failure;
      return { ok: false, retry: true, error: `unknown failure ${String(never)}` };
    }
  }
}

/** Pulls the system error code out of an error thrown by fetch (`TypeError('fetch failed', { cause })`) or a socket. */
export function networkFailure(e: unknown): RequestFailure {
  const cause = (e as { cause?: unknown }).cause ?? e;
  const code = (cause as { code?: unknown }).code;
  const codeText = typeof code === 'string' ? code : undefined;
  return { kind: 'network', code: codeText, message: describeNetworkCode(codeText) };
}

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name resolution failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/** A message made from the code only: an error's own text can quote the URL, and URLs here carry keys. */
function describeNetworkCode(code: string | undefined): string {
  return (code && NETWORK_MESSAGES[code]) || 'request failed';
}
