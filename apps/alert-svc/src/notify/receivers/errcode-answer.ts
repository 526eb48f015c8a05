import type { NotifyResult } from '../notification';
import { classifyHttpAnswer, classifyRequestFailure, rateLimited } from '../retrier';
import { excerpt, type HttpPostOutcome } from './http-post';

export interface ErrcodeRules {
  /** Codes that mean "too many requests" or "busy, try again": retried. Every other non-zero code is not. */
  retryCodes: ReadonlySet<number>;
  /** How long a rate-limited robot should wait (its limit is per minute). */
  rateLimitWaitMs: number;
}

/**
 * WeCom and DingTalk robots answer HTTP 200 with `{"errcode": 0, "errmsg": "ok"}`, and report errors
 * in `errcode` too. A non-2xx status goes through the retrier; a 2xx without an errcode is retried
 * (a proxy answered, not the robot; Alertmanager's WeChat notifier does the same).
 */
export function classifyErrcodeAnswer(outcome: HttpPostOutcome, rules: ErrcodeRules, now: number): NotifyResult {
  if (!outcome.answered) return classifyRequestFailure(outcome.failure);
  const { status, body } = outcome;
  if (status < 200 || status > 299) {
    return classifyHttpAnswer({ status, retryAfter: outcome.headers.get('retry-after'), detail: excerpt(body) }, now);
  }
  const answer = parseErrcode(body);
  if (!answer)
    return {
      ok: false,
      retry: true,
      status,
      error: `HTTP ${status} without an errcode: ${excerpt(body) || '(empty)'}`,
    };
  if (answer.errcode === 0) return { ok: true, retry: false, status };
  const error = `errcode ${answer.errcode}: ${excerpt(answer.errmsg)}`;
  if (rules.retryCodes.has(answer.errcode))
    return rateLimited(status, error, answer.errcode === -1 ? undefined : rules.rateLimitWaitMs);
  return { ok: false, retry: false, status, error };
}

function parseErrcode(body: string): { errcode: number; errmsg: string } | undefined {
  try {
    const parsed = JSON.parse(body) as { errcode?: unknown; errmsg?: unknown };
    if (typeof parsed.errcode !== 'number') return undefined;
    return { errcode: parsed.errcode, errmsg: typeof parsed.errmsg === 'string' ? parsed.errmsg : '' };
  } catch {
    return undefined;
  }
}
