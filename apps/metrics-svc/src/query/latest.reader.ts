import type { Cache } from '@vigil/platform';
import { decodeLatestGroup, type LatestValue } from '../storage/latest-codec';
import { latestKey } from '../storage/latest.writer';
import type { Series } from './series-selector';

/** The latest values the ingest keeps for these series (one HMGET per metric, pipelined); absent ones are left out. */
export async function readLatest(cache: Cache, series: readonly Series[]): Promise<Map<number, LatestValue>> {
  const byMetric = new Map<string, { nodes: Set<string>; ids: Set<number> }>();
  for (const s of series) {
    let group = byMetric.get(s.metric);
    if (!group) byMetric.set(s.metric, (group = { nodes: new Set(), ids: new Set() }));
    group.nodes.add(s.nodeId);
    group.ids.add(s.id);
  }
  const out = new Map<number, LatestValue>();
  if (byMetric.size === 0) return out;
  const pipeline = cache.redis.pipeline();
  const groups = [...byMetric.entries()];
  for (const [metric, { nodes }] of groups) pipeline.hmgetBuffer(latestKey(cache, metric), ...nodes);
  const replies = (await pipeline.exec()) ?? [];
  groups.forEach(([, { ids }], i) => {
    const [err, values] = replies[i] ?? [new Error('no reply'), null];
    if (err) throw err;
    for (const raw of values as (Buffer | null)[]) {
      for (const { seriesId, value } of decodeLatestGroup(raw)) if (ids.has(seriesId)) out.set(seriesId, value);
    }
  });
  return out;
}
