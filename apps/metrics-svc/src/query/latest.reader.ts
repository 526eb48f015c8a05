import type { Cache } from '@vigil/platform';
import { decodeLatestGroup, encodeLatestGroups, type LatestSource, type LatestValue } from './latest-codec';
import type { Series } from './series.resolver';

/** The Redis hash holding the latest values of every series of `metric`, one field per node. */
export function latestKey(cache: Cache, metric: string): string {
  return cache.key('metrics', 'live', metric);
}

/** One node's series of one metric, written together (the node's field is replaced). */
export interface LatestGroup {
  nodeId: string;
  metric: string;
  slots: readonly LatestSource[];
}

/**
 * Writes each group's series that have an id and a value: one HSET per metric with every
 * node's field (a command per group costs far more than an argument), in one pipeline.
 */
export async function writeLatest(cache: Cache, groups: readonly LatestGroup[]): Promise<void> {
  const encoded = encodeLatestGroups(groups.map((g) => g.slots));
  const byMetric = new Map<string, (string | Buffer)[]>();
  groups.forEach((g, i) => {
    const value = encoded[i];
    if (!value) return;
    let args = byMetric.get(g.metric);
    if (!args) byMetric.set(g.metric, (args = []));
    args.push(g.nodeId, value);
  });
  if (byMetric.size === 0) return;
  const pipeline = cache.redis.pipeline();
  for (const [metric, args] of byMetric) pipeline.hset(latestKey(cache, metric), ...args);
  const results = await pipeline.exec();
  const failed = results?.find(([e]) => e);
  if (failed) throw failed[0];
}

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
