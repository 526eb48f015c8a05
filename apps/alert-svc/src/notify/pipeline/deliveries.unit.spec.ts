import { DEFAULT_DELIVERY_POLICY, retryDelayMs } from './deliveries';

const failed = { ok: false, retry: true };

describe('retryDelayMs', () => {
  it('doubles from the initial backoff, with jitter between half and all of it', () => {
    const at = (attempt: number, r: number) => retryDelayMs(attempt, DEFAULT_DELIVERY_POLICY, failed, () => r);
    expect([1, 2, 3, 4].map((a) => at(a, 0.999999))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((a) => at(a, 0))).toEqual([500, 1000, 2000, 4000]);
    const seen = new Set(Array.from({ length: 200 }, () => retryDelayMs(3, DEFAULT_DELIVERY_POLICY, failed)));
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(2000);
    expect(Math.max(...seen)).toBeLessThanOrEqual(4000);
    expect(seen.size).toBeGreaterThan(50);
  });

  it('is capped', () => {
    expect(retryDelayMs(30, DEFAULT_DELIVERY_POLICY, failed, () => 0.999999)).toBe(
      DEFAULT_DELIVERY_POLICY.maxBackoffMs,
    );
  });

  it('never retries sooner than the provider asked (Retry-After)', () => {
    expect(retryDelayMs(1, DEFAULT_DELIVERY_POLICY, { ...failed, retryAfterMs: 30_000 }, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(5, DEFAULT_DELIVERY_POLICY, { ...failed, retryAfterMs: 100 }, () => 0)).toBe(8000);
  });
});
