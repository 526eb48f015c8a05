/*
 * How the agent turns kernel counters into per-second rates.
 *
 * Width. Counters in /proc and /sys are 64-bit on 64-bit kernels and do not wrap in practice
 * (2^64 bytes at 100 Gbit/s take 47 years). Some are `unsigned long`, which is 32-bit on 32-bit
 * kernels, and wrap at 2^32 (4 GiB of traffic: 34 s at 1 Gbit/s). A wrap and a reset (interface
 * re-created, driver reloaded, host restored from a snapshot) look alike, the value goes down,
 * and a counter's width cannot be told from its text; so a decrease is taken as a reset: no rate
 * that tick, and the next tick measures from the new value. On a 32-bit kernel that loses one
 * rate per wrap and never reports a wrong one.
 *
 * Precision. Values are JavaScript numbers, exact up to 2^53 (8 PiB as a byte counter); above
 * that they lose their lowest bits but still never decrease.
 */

/**
 * Per-second rate of a monotonic counter between two readings `elapsedMs` apart; `undefined`
 * when no time passed or the counter went backwards (see above).
 */
export function counterRate(previous: number, current: number, elapsedMs: number): number | undefined {
  if (elapsedMs <= 0 || current < previous) return undefined;
  return ((current - previous) * 1000) / elapsedMs;
}

interface Reading<T> {
  atMs: number;
  byKey: ReadonlyMap<string, T>;
}

/**
 * The counters of the latest two ticks, per key (device, interface), for per-second rates. A key
 * missing from a tick (an interface removed) is forgotten, so churning devices do not pile up.
 */
export class CounterHistory<T extends Readonly<Record<keyof T, number>>> {
  private previous?: Reading<T>;
  private latest?: Reading<T>;

  /** Records the counters read at monotonic time `atMs`. */
  record(atMs: number, byKey: ReadonlyMap<string, T>): void {
    this.previous = this.latest;
    this.latest = { atMs, byKey };
  }

  /**
   * Per-second increase of `counter` of `key` between the previous and the latest record;
   * `undefined` when the key is new or the counter went backwards.
   */
  rate(key: string, counter: keyof T): number | undefined {
    const { previous, latest } = this;
    const before = previous?.byKey.get(key);
    const after = latest?.byKey.get(key);
    if (!previous || !latest || !before || !after) return undefined;
    return counterRate(before[counter], after[counter], latest.atMs - previous.atMs);
  }
}
