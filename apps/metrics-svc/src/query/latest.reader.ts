import type { Cache } from '@vigil/platform';
import { decodeLatest, type LatestValue } from './latest-codec';
import type { Series } from './series.resolver';

/** The Redis hash holding the latest value of every series of `metric`, by series id. */
export function latestKey(cache: Cache, metric: string): string {
  return cache.key('metrics', 'latest', metric);
}

/** The latest values the ingest keeps for these series (one HMGET per metric, pipelined); absent ones are left out. */
export async function readLatest(cache: Cache, series: readonly Series[]): Promise<Map<number, LatestValue>> {
  const byMetric = new Map<string, number[]>();
  for (const s of series) {
    let ids = byMetric.get(s.metric);
    if (!ids) byMetric.set(s.metric, (ids = []));
    ids.push(s.id);
  }
  const out = new Map<number, LatestValue>();
  if (byMetric.size === 0) return out;
  const pipeline = cache.redis.pipeline();
  const groups = [...byMetric.entries()];
  for (const [metric, ids] of groups) pipeline.hmgetBuffer(latestKey(cache, metric), ...ids.map(String));
  const replies = (await pipeline.exec()) ?? [];
  groups.forEach(([, ids], i) => {
    const [err, values] = replies[i] ?? [new Error('no reply'), null];
    if (err) throw err;
    (values as (Buffer | null)[]).forEach((raw, j) => {
      const v = decodeLatest(raw);
      if (v) out.set(ids[j], v);
    });
  });
  return out;
}
