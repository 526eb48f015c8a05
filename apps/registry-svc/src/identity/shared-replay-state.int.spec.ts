import { Cache } from '@vigil/platform';
import { testUrls, uniqueId } from '@vigil/test-support';
import { Redis } from 'ioredis';
import { SharedReplayState } from './shared-replay-state';

const T = Date.now();
const stamp = (seq: number, boot = T) => ({ signedAt: T, boot, seq });
const at = (streamSeq: number, storedAt = T) => ({ streamSeq, storedAt });

describe('SharedReplayState (Redis)', () => {
  let cache: Cache;
  beforeAll(() => {
    cache = new Cache(new Redis(testUrls.redis), `${uniqueId('vigil-test-')}:`);
  });
  afterAll(async () => {
    const keys = await cache.redis.keys(`${cache.prefix}*`);
    if (keys.length) await cache.redis.del(...keys);
    await cache.close();
  });

  it('is one state for every replica: a copy reaching another replica is refused', async () => {
    const replica1 = new SharedReplayState(cache, 60_000);
    const replica2 = new SharedReplayState(cache, 60_000);
    expect(await replica1.check('heartbeat', 'n1', stamp(1), at(10))).toBeUndefined();
    expect(await replica1.check('heartbeat', 'n1', stamp(2), at(11))).toBeUndefined();
    expect(await replica2.check('heartbeat', 'n1', stamp(2), at(12))).toEqual({
      reason: 'replayed',
      detail: `node n1's message ${T}/2 is not after the last taken, ${T}/2`,
    });
    // A redelivery, or a message handled out of order, is at or before the last position.
    expect(await replica2.check('heartbeat', 'n1', stamp(1), at(10))).toBeUndefined();
    // Kinds are apart (each is its own consumer), and so are nodes; a new boot starts anew.
    expect(await replica2.check('inventory', 'n1', stamp(1), at(13))).toBeUndefined();
    expect(await replica2.check('heartbeat', 'n2', stamp(1), at(14))).toBeUndefined();
    expect(await replica2.check('heartbeat', 'n1', stamp(1, T + 1), at(15))).toBeUndefined();
    expect(await replica1.check('heartbeat', 'n1', stamp(3, T), at(16))).toMatchObject({ reason: 'replayed' });
    const ttl = await cache.redis.pttl(cache.key('registry', 'replay', 'heartbeat', 'n1'));
    expect(ttl).toBeGreaterThan(100_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it('refuses a stale stamp without touching Redis, and forgets a node', async () => {
    const state = new SharedReplayState(cache, 60_000);
    expect(await state.check('heartbeat', 'n3', stamp(1), at(1, T + 61_000))).toMatchObject({ reason: 'stale' });
    expect(await cache.redis.exists(cache.key('registry', 'replay', 'heartbeat', 'n3'))).toBe(0);
    expect(await state.check('heartbeat', 'n3', stamp(5), at(2))).toBeUndefined();
    await state.forget('n3');
    expect(await state.check('heartbeat', 'n3', stamp(1), at(3))).toBeUndefined();
  });
});
