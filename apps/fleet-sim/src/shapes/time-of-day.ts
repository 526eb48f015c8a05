export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Hour of day (0 ≤ h < 24, fractional) at `timeMs` in a timezone `offsetHours` from UTC. */
export function localHour(offsetHours: number, timeMs: number): number {
  return (((timeMs / HOUR_MS + offsetHours) % 24) + 24) % 24;
}

/** The daily rhythm of user-facing load: 0 at 02:00 local time, rising to 1 at 14:00. */
export function diurnalFactor(offsetHours: number, timeMs: number): number {
  return 0.5 - 0.5 * Math.cos((2 * Math.PI * (localHour(offsetHours, timeMs) - 2)) / 24);
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
