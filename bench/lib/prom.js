/** Reading a Prometheus text page: samples, counters, histograms and their quantiles. */

/** Every sample of the page as { name, labels, value }. */
function parsePage(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[2]) for (const [, k, v] of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    out.push({ name: m[1], labels, value });
  }
  return out;
}

/** Sum of the samples named `name` over all their label sets; undefined if there is none. */
function sumOf(samples, name) {
  let found = false;
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    found = true;
    total += s.value;
  }
  return found ? total : undefined;
}

/**
 * The histogram `name` summed over its label sets: cumulative counts per upper bound,
 * sorted by bound (+Inf last), with _count and _sum; undefined when absent.
 */
function histogramOf(samples, name) {
  const byLe = new Map();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  if (byLe.size === 0) return undefined;
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
  return {
    buckets,
    count: sumOf(samples, `${name}_count`) ?? buckets.at(-1).count,
    sum: sumOf(samples, `${name}_sum`) ?? 0,
  };
}

/** Observations between two scrapes of the same histogram (b later than a). */
function histogramDelta(a, b) {
  if (!b) return undefined;
  const before = new Map((a?.buckets ?? []).map((x) => [x.le, x.count]));
  return {
    buckets: b.buckets.map(({ le, count }) => ({ le, count: count - (before.get(le) ?? 0) })),
    count: b.count - (a?.count ?? 0),
    sum: b.sum - (a?.sum ?? 0),
  };
}

/**
 * The q-quantile of a histogram as Prometheus' histogram_quantile computes it: linear
 * interpolation inside the bucket holding the rank (from 0 for the first bucket); a rank
 * in the +Inf bucket gives the largest finite bound (so the answer is "at least" that).
 */
function quantile(q, h) {
  if (!h || h.count <= 0) return undefined;
  const rank = q * h.buckets.at(-1).count;
  let prevLe = 0;
  let prevCount = 0;
  for (const { le, count } of h.buckets) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      if (count === prevCount) return le;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / (count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

/** Fetches and parses `url`; rejects on a non-200 answer. */
async function scrape(url) {
  const r = await fetch(url);
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status}`);
  return parsePage(await r.text());
}

module.exports = { parsePage, sumOf, histogramOf, histogramDelta, quantile, scrape };
