/**
 * Series of one chart as uPlot takes them: one x array (seconds) shared by every series, each
 * series' values at those times (null where it has none). Points come from a range query, then from
 * the live API's sample batches, appended as they arrive and cut to the chart's range.
 */

export interface Series {
  /** What tells this series apart (a mount, a device), '' for a single series. */
  key: string;
  /** `[unix ms, value]`, oldest first. */
  points: [number, number][];
}

export type Aligned = [number[], ...(number | null)[][]];

export function align(series: Series[]): Aligned {
  const times = new Set<number>();
  for (const s of series) for (const [t] of s.points) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const values: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const [t, v] of s.points) values[index.get(t)!] = v;
    return values;
  });
  return [xs.map((t) => t / 1000), ...ys];
}

/**
 * Adds one live value to its series (a new series for a new key), unless it is not newer than the
 * series' last point, and drops points older than `sinceMs`. Answers whether anything changed.
 */
export function appendLive(series: Series[], key: string, atMs: number, value: number, sinceMs: number): boolean {
  let s = series.find((x) => x.key === key);
  if (!s) {
    s = { key, points: [] };
    series.push(s);
    series.sort((a, b) => a.key.localeCompare(b.key));
  }
  const last = s.points[s.points.length - 1];
  if (last && last[0] >= atMs) return false;
  s.points.push([atMs, value]);
  for (const x of series) {
    let drop = 0;
    while (drop < x.points.length && x.points[drop][0] < sinceMs) drop++;
    if (drop) x.points.splice(0, drop);
  }
  return true;
}

/** The newest point of any series. */
export function latest(series: Series[]): { at: number; value: number } | undefined {
  let best: { at: number; value: number } | undefined;
  for (const s of series) {
    const p = s.points[s.points.length - 1];
    if (p && (!best || p[0] > best.at)) best = { at: p[0], value: p[1] };
  }
  return best;
}
