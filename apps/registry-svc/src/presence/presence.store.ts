import type { Cache } from '@vigil/platform';

export type PresenceStatus = 'online' | 'offline';

/**
 * Forgets each node (ARGV[2..]) still last seen at or before ARGV[1] and decided offline: its
 * last-seen, status and config fingerprint. Atomic, so a heartbeat that came meanwhile keeps it;
 * a node without a status (its first heartbeat being handled) is kept.
 */
const EVICT = `
local n = 0
local cutoff = tonumber(ARGV[1])
for i = 2, #ARGV do
  local seen = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if seen and tonumber(seen) <= cutoff and redis.call('HGET', KEYS[2], ARGV[i]) == 'offline' then
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
    redis.call('HDEL', KEYS[3], ARGV[i])
    n = n + 1
  end
end
return n
`;

/**
 * A sighting of ARGV[2] at ARGV[1]: last-seen moves forward (ZADD GT) only for a node presence
 * knows (it has a status), so that a heartbeat from an id nobody registered keeps nothing in
 * Redis; its status and config fingerprint are returned.
 */
const SIGHTED = `
local status = redis.call('HGET', KEYS[2], ARGV[2])
if status then redis.call('ZADD', KEYS[1], 'GT', ARGV[1], ARGV[2]) end
return { status, redis.call('HGET', KEYS[3], ARGV[2]) }
`;

/**
 * Presence in Redis: when each node was last heard (a sorted set scored by Unix ms)
 * and the status last decided for it (a hash). This is a cache of the event log:
 * losing it costs one trip to the aggregate per node, never a wrong event.
 */
export class PresenceStore {
  private readonly lastSeenKey: string;
  private readonly statusKey: string;
  private readonly configKey: string;
  private readonly builtKey: string;

  constructor(private readonly cache: Cache) {
    this.lastSeenKey = cache.key('registry', 'presence', 'last-seen');
    this.statusKey = cache.key('registry', 'presence', 'status');
    this.configKey = cache.key('registry', 'presence', 'config');
    this.builtKey = cache.key('registry', 'presence', 'built');
  }

  /**
   * Whether presence was built in this Redis: a marker written once every node the read model
   * has online is tracked. A Redis that restarted empty (or was flushed) has no marker.
   */
  async built(): Promise<boolean> {
    return (await this.cache.redis.exists(this.builtKey)) === 1;
  }

  /**
   * Tracks each of `nodeIds` not tracked yet as seen `at`, online unless a status is known
   * (pipelined, a thousand at a time), then writes the marker.
   */
  async rebuild(nodeIds: string[], at: Date): Promise<void> {
    for (let i = 0; i < nodeIds.length; i += 1000) {
      const pipeline = this.cache.redis.pipeline();
      for (const nodeId of nodeIds.slice(i, i + 1000)) {
        pipeline.zadd(this.lastSeenKey, 'NX', at.getTime(), nodeId);
        pipeline.hsetnx(this.statusKey, nodeId, 'online');
      }
      const replies = await pipeline.exec();
      const failed = replies?.find(([err]) => err);
      if (!replies || failed) throw failed?.[0] ?? new Error('redis pipeline returned nothing');
    }
    await this.cache.redis.set(this.builtKey, String(at.getTime()));
  }

  /**
   * Records a sighting of a node presence knows (never moving last-seen backwards: ZADD GT)
   * and reads what the heartbeat's fast path needs, in one round trip. A node without a status
   * is not tracked here: `setOnline` tracks it once it is registered.
   */
  async sighted(
    nodeId: string,
    at: Date,
  ): Promise<{ status: PresenceStatus | null; configFingerprint: string | null }> {
    const [status, configFingerprint] = (await this.cache.redis.eval(
      SIGHTED,
      3,
      this.lastSeenKey,
      this.statusKey,
      this.configKey,
      String(at.getTime()),
      nodeId,
    )) as [string | null, string | null];
    return { status: status as PresenceStatus | null, configFingerprint: configFingerprint ?? null };
  }

  async status(nodeId: string): Promise<PresenceStatus | null> {
    return (await this.cache.redis.hget(this.statusKey, nodeId)) as PresenceStatus | null;
  }

  async setStatus(nodeId: string, status: PresenceStatus): Promise<void> {
    await this.cache.redis.hset(this.statusKey, nodeId, status);
  }

  /**
   * Online, and tracked: a node brought online from a heartbeat that an eviction raced (a
   * backlog's heartbeat stored before the cutoff) is tracked again, as seen `at`, and times out.
   */
  async setOnline(nodeId: string, at: Date): Promise<void> {
    const replies = await this.cache.redis
      .pipeline()
      .hset(this.statusKey, nodeId, 'online')
      .zadd(this.lastSeenKey, 'GT', at.getTime(), nodeId)
      .exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw failed?.[0] ?? new Error('redis pipeline returned nothing');
  }

  /** A fingerprint of the configuration last recorded for the node, to keep heartbeats on the fast path. */
  async setConfigFingerprint(nodeId: string, fingerprint: string): Promise<void> {
    await this.cache.redis.hset(this.configKey, nodeId, fingerprint);
  }

  /**
   * Forgets offline nodes silent since `cutoff` (see EVICT): presence holds the nodes heard
   * within about a timeout, not every id that ever sent a heartbeat. One that speaks again is
   * brought online through its aggregate, as after a Redis loss. Returns how many went.
   */
  async evict(nodeIds: string[], cutoff: Date): Promise<number> {
    let evicted = 0;
    for (let i = 0; i < nodeIds.length; i += 1000) {
      evicted += Number(
        await this.cache.redis.eval(
          EVICT,
          3,
          this.lastSeenKey,
          this.statusKey,
          this.configKey,
          String(cutoff.getTime()),
          ...nodeIds.slice(i, i + 1000),
        ),
      );
    }
    return evicted;
  }

  /** How many nodes presence tracks. */
  size(): Promise<number> {
    return this.cache.redis.zcard(this.lastSeenKey);
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
