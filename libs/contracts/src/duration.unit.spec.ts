import { Duration, durationMs, formatDuration } from './duration';

describe('durations', () => {
  it('reads Prometheus durations', () => {
    expect(durationMs('15s')).toBe(15_000);
    expect(durationMs('1m')).toBe(60_000);
    expect(durationMs('1h30m')).toBe(5_400_000);
    expect(durationMs('500ms')).toBe(500);
    expect(durationMs('2d')).toBe(172_800_000);
    expect(durationMs('1w')).toBe(604_800_000);
    expect(durationMs('1y')).toBe(31_536_000_000);
    expect(durationMs('1m1h')).toBeUndefined();
    expect(durationMs('')).toBeUndefined();
    expect(durationMs('5 m')).toBeUndefined();
  });
});

describe('Duration', () => {
  it('takes text or milliseconds and gives milliseconds; formats back the shortest text', () => {
    expect(Duration.parse('5m')).toBe(300_000);
    expect(Duration.parse(1500)).toBe(1500);
    expect(Duration.safeParse('5 minutes').success).toBe(false);
    expect(Duration.safeParse(-1).success).toBe(false);
    expect([0, 1500, 300_000, 5_400_000, 86_400_000 + 1].map(formatDuration)).toEqual([
      '0s',
      '1s500ms',
      '5m',
      '1h30m',
      '1d1ms',
    ]);
    for (const ms of [1, 999, 60_000, 3_600_000 * 25]) expect(durationMs(formatDuration(ms))).toBe(ms);
  });
});
