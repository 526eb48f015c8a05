import { Redis } from 'ioredis';
import { testUrls, uniqueId } from '@vigil/test-support';
import { RedisLease } from './lease';

describe('RedisLease', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(testUrls.redis);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('is held by one instance at a time, and passes on once its holder stops renewing', async () => {
    const key = uniqueId('vigil-test-lease-');
    const a = new RedisLease(redis, key, 300);
    const b = new RedisLease(redis, key, 300);
    expect(await a.tryHold()).toBe(true);
    expect(await b.tryHold()).toBe(false);
    expect(a.stillHeld()).toBe(true);
    expect(b.stillHeld()).toBe(false);
    const token = a.fencingToken();
    await new Promise((r) => setTimeout(r, 350));
    // By its own clock the holder knows it lapsed before it asks Redis again.
    expect(a.stillHeld()).toBe(false);
    expect(await b.tryHold()).toBe(true);
    expect(b.fencingToken()).toBeGreaterThan(token);
    expect(await a.tryHold()).toBe(false);
    await b.release();
    expect(b.stillHeld()).toBe(false);
    expect(await a.tryHold()).toBe(true);
    await a.release();
  });
  it('is taken again by its holder when Redis lost it (a restart), unless another took it first', async () => {
    const key = uniqueId('vigil-test-lease-');
    const a = new RedisLease(redis, key, 5000);
    const b = new RedisLease(redis, key, 5000);
    expect(await a.tryHold()).toBe(true);
    await redis.del(key);
    expect(await a.tryHold()).toBe(true);
    await redis.del(key);
    expect(await b.tryHold()).toBe(true);
    expect(await a.tryHold()).toBe(false);
    await b.release();
  });

  it('is not taken again by a renewal that was on its way when it was released', async () => {
    const key = uniqueId('vigil-test-lease-');
    const a = new RedisLease(redis, key, 5000);
    expect(await a.tryHold()).toBe(true);
    // Redis lost it: the renewal would take it again, but the holder gives it up meanwhile.
    await redis.del(key);
    const renewal = a.tryHold();
    await a.release();
    expect(await renewal).toBe(false);
    expect(a.stillHeld()).toBe(false);
    expect(await redis.get(key)).toBeNull();
  });
});
