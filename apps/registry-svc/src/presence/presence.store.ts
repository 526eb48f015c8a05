import type { Cache } from '@vigil/platform';

export type PresenceStatus = 'online' | 'offline';

/**
 * Presence in Redis: when each node was last heard (a sorted set scored by Unix ms)
 * and the status last decided for it (a hash). This is a cache of the event log:
 * losing it costs one trip to the aggregate per node, never a wrong event.
 */
export class PresenceStore {
  private readonly lastSeenKey: string;
  private readonly statusKey: string;
  private readonly configKey: string;

  constructor(private readonly cache: Cache) {
    this.lastSeenKey = cache.key('registry', 'presence', 'last-seen');
    this.statusKey = cache.key('registry', 'presence', 'status');
    this.configKey = cache.key('registry', 'presence', 'config');
  }

  /**
   * Records a sighting (never moving last-seen backwards: ZADD GT) and reads what the
   * heartbeat's fast path needs, in one round trip.
   */
  async sighted(
    nodeId: string,
    at: Date,
  ): Promise<{ status: PresenceStatus | null; configFingerprint: string | null }> {
    const replies = await this.cache.redis
      .pipeline()
      .zadd(this.lastSeenKey, 'GT', at.getTime(), nodeId)
      .hget(this.statusKey, nodeId)
      .hget(this.configKey, nodeId)
      .exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw failed?.[0] ?? new Error('redis pipeline returned nothing');
    return { status: replies[1][1] as PresenceStatus | null, configFingerprint: replies[2][1] as string | null };
  }

  /** Adds a node that is not tracked yet (after a Redis loss) as seen `at`. */
  async track(nodeId: string, at: Date): Promise<void> {
    await this.cache.redis.zadd(this.lastSeenKey, 'NX', at.getTime(), nodeId);
  }

  async status(nodeId: string): Promise<PresenceStatus | null> {
    return (await this.cache.redis.hget(this.statusKey, nodeId)) as PresenceStatus | null;
  }

  async setStatus(nodeId: string, status: PresenceStatus): Promise<void> {
    await this.cache.redis.hset(this.statusKey, nodeId, status);
  }

  /** A fingerprint of the configuration last recorded for the node, to keep heartbeats on the fast path. */
  async setConfigFingerprint(nodeId: string, fingerprint: string): Promise<void> {
    await this.cache.redis.hset(this.configKey, nodeId, fingerprint);
  }

  /** Nodes last seen at or before `cutoff`, with that time. */
  async silentSince(cutoff: Date): Promise<{ nodeId: string; lastSeen: Date }[]> {
    const flat = await this.cache.redis.zrangebyscore(this.lastSeenKey, '-inf', cutoff.getTime(), 'WITHSCORES');
    const out: { nodeId: string; lastSeen: Date }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ nodeId: flat[i], lastSeen: new Date(Number(flat[i + 1])) });
    return out;
  }

  async lastSeen(nodeIds: string[]): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    if (nodeIds.length === 0) return out;
    const scores = await this.cache.redis.zmscore(this.lastSeenKey, ...nodeIds);
    scores.forEach((s, i) => s !== null && out.set(nodeIds[i], new Date(Number(s))));
    return out;
  }
}
