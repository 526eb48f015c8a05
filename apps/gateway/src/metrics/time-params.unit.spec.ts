import { ValidationError } from '@vigil/contracts';
import { promStep, promTime, restStep, restTime } from './time-params';

describe('Prometheus API parameters', () => {
  it('reads times as Unix seconds (fractions too) or RFC 3339', () => {
    expect(promTime('1435781451.781', 'start')).toBe(1_435_781_451_781);
    expect(promTime('1435781451', 'start')).toBe(1_435_781_451_000);
    expect(promTime('2015-07-01T20:10:51.781Z', 'start')).toBe(1_435_781_451_781);
    expect(promTime('2015-07-01T22:10:51+02:00', 'start')).toBe(1_435_781_451_000);
    expect(promTime(undefined, 'time', 42)).toBe(42);
    expect(() => promTime('yesterday', 'start')).toThrow(/cannot parse "yesterday" to a valid timestamp/);
    expect(() => promTime(undefined, 'start')).toThrow(ValidationError);
  });

  it('reads steps as seconds or durations, positive only', () => {
    expect(promStep('15')).toBe(15_000);
    expect(promStep('0.5')).toBe(500);
    expect(promStep('15s')).toBe(15_000);
    expect(promStep('1m')).toBe(60_000);
    expect(promStep('1h')).toBe(3_600_000);
    expect(() => promStep('0')).toThrow(/zero or negative/);
    expect(() => promStep('-5')).toThrow(/zero or negative/);
    expect(() => promStep('fast')).toThrow(/cannot parse "fast" to a valid duration/);
    expect(() => promStep(undefined)).toThrow(/step is required/);
  });
});

describe('REST parameters', () => {
  const now = 1_700_000_000_000;
  it('reads now, now-<duration>, RFC 3339 and Unix milliseconds', () => {
    expect(restTime('now', 'end', now)).toBe(now);
    expect(restTime('now-1h', 'start', now)).toBe(now - 3_600_000);
    expect(restTime('2023-11-14T22:13:20Z', 'start', now)).toBe(now);
    expect(restTime('1700000000000', 'start', now)).toBe(now);
    expect(restTime(undefined, 'end', now, now)).toBe(now);
    expect(() => restTime('now-1x', 'start', now)).toThrow(/"1x" is not a duration/);
    expect(() => restTime('1.5', 'start', now)).toThrow(ValidationError);
  });

  it('reads steps as durations or milliseconds', () => {
    expect(restStep('1m')).toBe(60_000);
    expect(restStep('10000')).toBe(10_000);
    expect(() => restStep('1.5')).toThrow(/not a duration/);
  });
});
