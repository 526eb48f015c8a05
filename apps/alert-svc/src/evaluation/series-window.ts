/**
 * A series' samples over a sliding window (for `avg/max/min over D` rules): time-ordered,
 * the ones older than the window dropped as new ones arrive. Samples arriving out of order
 * are placed by time.
 */
export class SeriesWindow {
  private times: number[] = [];
  private values: number[] = [];

  constructor(private readonly durationMs: number) {}

  add(at: number, value: number): void {
    let i = this.times.length;
    while (i > 0 && this.times[i - 1] > at) i--;
    this.times.splice(i, 0, at);
    this.values.splice(i, 0, value);
    const newest = this.times[this.times.length - 1];
    let drop = 0;
    while (drop < this.times.length && this.times[drop] <= newest - this.durationMs) drop++;
    if (drop > 0) {
      this.times.splice(0, drop);
      this.values.splice(0, drop);
    }
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
