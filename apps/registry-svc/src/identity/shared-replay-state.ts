import {
  type MessageStamp,
  replayedStamp,
  staleStamp,
  type TelemetrySubject,
  type ViolationReason,
} from '@vigil/contracts';
import type { Cache } from '@vigil/platform';

/**
 * Takes the stamp when it is after the node's last one, or at or before the last position (a
 * redelivery, or a message handled out of order by concurrent handlers): 1. Refuses it
 * (returns `<boot> <seq>` of the last one) when it is further on in the stream but not after.
 * The value is `<boot> <seq> <stream seq>` (integers below 2^53: exact as Lua numbers).
 */
const TAKE = `
local v = redis.call('GET', KEYS[1])
if v then
  local b, s, q = string.match(v, '^(%d+) (%d+) (%d+)$')
  b = tonumber(b) s = tonumber(s) q = tonumber(q)
  local nb, ns, nq = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
  if nq <= q then return 1 end
  if nb < b or (nb == b and ns <= s) then return b .. ' ' .. s end
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. ARGV[3], 'PX', ARGV[4])
return 1
`;

/**
 * ReplayGuard's rule (libs/contracts identity/replay-guard.ts) with the last (boot, seq,
 * stream seq) of each node and consumer in Redis: registry-svc's replicas share a durable
 * consumer per kind of message, so a copy may reach another replica than its original, and a
 * restarted replica must still know what was taken. One key per node and kind, expiring
 * twice the skew window after the last message taken (any copy older than that is stale).
 */
export class SharedReplayState {
  constructor(
    private readonly cache: Cache,
    private readonly skewMs: number,
  ) {}

  async check(
    kind: TelemetrySubject['kind'],
    nodeId: string,
    stamp: MessageStamp,
    at: { streamSeq: number; storedAt: number },
  ): Promise<{ reason: ViolationReason; detail: string } | undefined> {
    const stale = staleStamp(nodeId, stamp, at.storedAt, this.skewMs);
    if (stale) return stale;
    const answer = await this.cache.redis.eval(
      TAKE,
      1,
      this.key(kind, nodeId),
      String(stamp.boot),
      String(stamp.seq),
      String(at.streamSeq),
      String(2 * this.skewMs),
    );
    if (answer === 1) return undefined;
    const [boot, seq] = String(answer).split(' ').map(Number);
    return replayedStamp(nodeId, stamp, { boot, seq });
  }

  /** A new key, or a revocation: the node's history starts anew. */
  async forget(nodeId: string): Promise<void> {
    const kinds: TelemetrySubject['kind'][] = ['heartbeat', 'inventory', 'agent-events', 'samples'];
    await this.cache.redis.del(...kinds.map((k) => this.key(k, nodeId)));
  }

  private key(kind: string, nodeId: string): string {
    return this.cache.key('registry', 'replay', kind, nodeId);
  }
}
