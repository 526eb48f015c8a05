import type { Cache } from '@vigil/platform';
import { encodeLatestGroups, type LatestSource } from './latest-codec';

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
