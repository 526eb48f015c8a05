/**
 * Per-second rate of a monotonic counter between two readings `elapsedMs` apart.
 * `undefined` when no time passed or the counter went backwards (a reset: interface
 * re-created, driver reloaded, 32-bit wrap); the rate is skipped for that tick and the
 * next tick measures from the new value.
 */
export function counterRate(previous: number, current: number, elapsedMs: number): number | undefined {
  if (elapsedMs <= 0 || current < previous) return undefined;
  return ((current - previous) * 1000) / elapsedMs;
}
