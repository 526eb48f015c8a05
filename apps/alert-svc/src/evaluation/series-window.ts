/**
 * The most samples one window holds (256 KiB): a series sampled every second over 4.5 hours, or
 * every 10 s over 45 hours. An agent sending faster (its timestamps are its own) only shortens
 * the window to its newest MAX_WINDOW_SAMPLES, rather than growing it without end.
 */
export const MAX_WINDOW_SAMPLES = 16_384;

/**
 * A series' samples over a sliding window (for `avg/max/min over D` rules): time-ordered,
 * the ones older than the window dropped as new ones arrive, and the oldest past
 * MAX_WINDOW_SAMPLES. Samples arriving out of order are placed by time.
 */
export class SeriesWindow {
  private times: number[] = [];
  private values: number[] = [];

  constructor(private readonly durationMs: number) {}

  /** Adds a sample; returns by how many samples the window grew (0 or less when it dropped old ones). */
  add(at: number, value: number): number {
    const before = this.times.length;
    let i = this.times.length;
    while (i > 0 && this.times[i - 1] > at) i--;
    this.times.splice(i, 0, at);
    this.values.splice(i, 0, value);
    const newest = this.times[this.times.length - 1];
    let drop = 0;
    while (drop < this.times.length && this.times[drop] <= newest - this.durationMs) drop++;
    drop = Math.max(drop, this.times.length - MAX_WINDOW_SAMPLES);
    if (drop > 0) {
      this.times.splice(0, drop);
      this.values.splice(0, drop);
    }
    return this.times.length - before;
  }

  /** The aggregate of the samples in (newest - duration, newest]. */
  aggregate(op: 'avg' | 'max' | 'min'): number {
    const v = this.values;
    if (v.length === 0) return Number.NaN;
    let out = op === 'avg' ? 0 : v[0];
    for (const x of v) {
      if (op === 'avg') out += x;
      else if (op === 'max') out = Math.max(out, x);
      else out = Math.min(out, x);
    }
    return op === 'avg' ? out / v.length : out;
  }

  get size(): number {
    return this.values.length;
  }
}
