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

export interface LatestWriteOptions {
  /** Node and metric pairs whose series were all forgotten: their fields are deleted (first). */
  gone?: readonly { nodeId: string; metric: string }[];
  /**
   * How long a metric's hash lives after its last write: the hash of a metric nobody sends
   * any more goes by itself (its fields are also swept, see LiveViewSweep). None if absent.
   */
  ttlMs?: number;
}

/**
 * Deletes the fields of `gone`, then writes each group's series that have an id and a value:
 * one HSET per metric with every node's field (a command per group costs far more than an
 * argument), and its expiry moved on, in one pipeline.
 */
export async function writeLatest(
  cache: Cache,
  groups: readonly LatestGroup[],
  options: LatestWriteOptions = {},
): Promise<void> {
  const encoded = encodeLatestGroups(groups.map((g) => g.slots));
  const byMetric = new Map<string, (string | Buffer)[]>();
  groups.forEach((g, i) => {
    const value = encoded[i];
    if (!value) return;
    let args = byMetric.get(g.metric);
    if (!args) byMetric.set(g.metric, (args = []));
    args.push(g.nodeId, value);
  });
  const goneByMetric = new Map<string, string[]>();
  for (const { nodeId, metric } of options.gone ?? []) {
    let nodes = goneByMetric.get(metric);
    if (!nodes) goneByMetric.set(metric, (nodes = []));
    nodes.push(nodeId);
  }
  if (byMetric.size === 0 && goneByMetric.size === 0) return;
  const pipeline = cache.redis.pipeline();
  for (const [metric, nodes] of goneByMetric) pipeline.hdel(latestKey(cache, metric), ...nodes);
  for (const [metric, args] of byMetric) {
    const key = latestKey(cache, metric);
    pipeline.hset(key, ...args);
    if (options.ttlMs !== undefined) pipeline.pexpire(key, options.ttlMs);
  }
  const results = await pipeline.exec();
  const failed = results?.find(([e]) => e);
  if (failed) throw failed[0];
}
