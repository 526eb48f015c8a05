import {
  classifyHttpAnswer,
  classifyRequestFailure,
  isRetryableStatus,
  networkFailure,
  parseRetryAfter,
} from './retrier';

const NOW = Date.parse('2026-03-01T10:00:00Z');

describe('classifyHttpAnswer', () => {
  it('answers every status from 200 to 599: 2xx ok, 408/429/5xx retry, the rest not', () => {
    for (let status = 200; status <= 599; status++) {
      const result = classifyHttpAnswer({ status }, NOW);
      const ok = status < 300;
      const retry = status === 408 || status === 429 || status >= 500;
      expect({ status, ok: result.ok, retry: result.retry }).toEqual({ status, ok, retry });
      expect(result.status).toBe(status);
      expect(result.error).toBe(ok ? undefined : `HTTP ${status}`);
    }
  });

  it('adds the detail to the error and Retry-After to retried answers only', () => {
    expect(classifyHttpAnswer({ status: 429, retryAfter: '3', detail: 'slow down' }, NOW)).toEqual({
      ok: false,
      retry: true,
      status: 429,
      retryAfterMs: 3000,
      error: 'HTTP 429: slow down',
    });
    expect(classifyHttpAnswer({ status: 400, retryAfter: '3' }, NOW).retryAfterMs).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['7', 7000],
    [' 120 ', 120_000],
    ['Sun, 01 Mar 2026 10:00:30 GMT', 30_000],
    ['Sun, 01 Mar 2026 09:59:00 GMT', 0],
  ])('%s -> %i ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it.each([undefined, null, '', '-5', '1.5', 'soon', 'Sun, 99 Foo 2026 10:00:00 GMT'])('%s -> undefined', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('request failures', () => {
  it('retries network errors, timeouts and cancellations', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED http://x?key=k' },
    });
    expect(classifyRequestFailure(networkFailure(refused))).toEqual({
      ok: false,
      retry: true,
      error: 'connection refused (ECONNREFUSED)',
    });
    expect(classifyRequestFailure(networkFailure(new Error('boom http://host/?key=s3cret')))).toEqual({
      ok: false,
      retry: true,
      error: 'request failed',
    });
    expect(classifyRequestFailure({ kind: 'timeout', timeoutMs: 500 })).toEqual({
      ok: false,
      retry: true,
      error: 'no answer within 500 ms',
    });
    expect(classifyRequestFailure({ kind: 'aborted' })).toMatchObject({ ok: false, retry: true });
  });

  it('knows which statuses are retryable', () => {
    expect([408, 429, 500, 503, 599].every(isRetryableStatus)).toBe(true);
    expect([200, 301, 400, 404, 422, 600].some(isRetryableStatus)).toBe(false);
  });
});
