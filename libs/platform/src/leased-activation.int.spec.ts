import { Redis } from 'ioredis';
import { eventually, testUrls, uniqueId } from '@vigil/test-support';
import { RedisLease } from './lease';
import { LeasedActivation } from './leased-activation';

/** Work that records what it was told, activated or not. */
function work() {
  const told: string[] = [];
  let active = false;
  return {
    told,
    isActive: () => active,
    activate: async () => {
      active = true;
      told.push('activate');
    },
    deactivate: async () => {
      if (active) told.push('deactivate');
      active = false;
    },
    stillHeld: () => {
      if (told.at(-1) !== 'stillHeld') told.push('stillHeld');
    },
  };
}

describe('LeasedActivation', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(testUrls.redis);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('activates the one replica holding the lease, and the other once the first stops', async () => {
    const key = uniqueId('vigil-test-activation-');
    const a = work();
    const b = work();
    const errors: unknown[] = [];
    const first = new LeasedActivation(new RedisLease(redis, key, 300), a, 100, (e) => errors.push(e));
    const second = new LeasedActivation(new RedisLease(redis, key, 300), b, 100, (e) => errors.push(e));
    await first.start();
    await second.start();
    expect(a.told).toEqual(['activate']);
    expect(b.told).toEqual([]);
    // Renewed on the next ticks, not activated again.
    await eventually(() => a.told.includes('stillHeld'), { what: 'a renewal' });
    expect(a.told).toEqual(['activate', 'stillHeld']);

    await first.stop();
    expect(first.stopping).toBe(true);
    expect(a.told).toEqual(['activate', 'stillHeld', 'deactivate']);
    // Released on stop: the other takes over at its next tick, not a lease time later.
    expect(await redis.get(key)).toBeNull();
    await eventually(() => b.isActive(), { what: 'the takeover' });
    await second.stop();
    expect(b.told.filter((t) => t !== 'stillHeld')).toEqual(['activate', 'deactivate']);
    expect(errors).toEqual([]);
  });

  it('deactivates the work once a tick finds the lease taken by another', async () => {
    const key = uniqueId('vigil-test-activation-');
    const a = work();
    const lease = new RedisLease(redis, key, 300);
    const activation = new LeasedActivation(lease, a, 100, () => undefined);
    await activation.start();
    expect(a.isActive()).toBe(true);
    // Another owner holds the key: the next renewal fails.
    await redis.set(key, 'someone else', 'PX', 10_000);
    await eventually(() => !a.isActive(), { timeoutMs: 2000, what: 'the deactivation' });
    expect(a.told).toContain('deactivate');
    await activation.stop();
    await redis.del(key);
  });
});
