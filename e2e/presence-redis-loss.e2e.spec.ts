import { type Heartbeat, registryQueries } from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { eventually, OwnRedisServer, sleep } from '@vigil/test-support';
import { Redis } from 'ioredis';
import { TestPlatform } from './platform';

jest.setTimeout(120_000);

const TIMEOUT_MS = 3000;
const SWEEP_MS = 250;

/**
 * Issue 19, point 8a: Redis is lost while nodes heartbeat (a private redis-server, SIGKILLed
 * and started again empty). registry-svc reports not-ready while it is down and ready again
 * by itself; presence is rebuilt, so a node that died just before the outage (its last
 * sighting lost with Redis) and a node that dies after it are both marked offline within the normal timeout, while a node that keeps
 * heartbeating stays online.
 */
describe('registry-svc presence across a Redis loss', () => {
  const redis = new OwnRedisServer();
  let platform: TestPlatform;
  const beating = new Set(['rl-steady', 'rl-dies-before', 'rl-dies-after']);
  const lastBeat = new Map<string, number>();
  let publishing = true;
  let loop: Promise<void>;

  beforeAll(async () => {
    await redis.start();
    platform = new TestPlatform({
      REDIS_URL: redis.url,
      VIGIL_OFFLINE_TIMEOUT_MS: String(TIMEOUT_MS),
      VIGIL_PRESENCE_SWEEP_MS: String(SWEEP_MS),
    });
    await platform.setup();
    await platform.startRegistry();
    loop = heartbeats();
  });
  afterAll(async () => {
    publishing = false;
    await loop;
    await platform.teardown();
    await redis.kill();
  });

  async function heartbeats(): Promise<void> {
    const { js, topology } = platform.bus;
    for (let seq = 1; publishing; seq++) {
      for (const nodeId of beating) {
        const hb: Heartbeat = {
          nodeId,
          seq,
          sentAt: new Date().toISOString(),
          hostname: nodeId,
          agentVersion: 'test',
          uptimeSeconds: seq,
          intervalMs: 300,
          labels: {},
        };
        await js.publish(topology.subjects.heartbeat(nodeId), Buffer.from(JSON.stringify(hb)), {
          msgID: `hb:${nodeId}:${seq}`,
        });
        lastBeat.set(nodeId, Date.now());
      }
      await sleep(300);
    }
  }

  const status = async (nodeId: string) =>
    (
      await requestQuery(platform.bus.nc, platform.bus.topology, registryQueries.getNode, { nodeId }, 5000).catch(
        () => undefined,
      )
    )?.status;
  const ready = async () => (await fetch(platform.url('registry-svc', '/health/ready'))).status;
  const offlineWithin = async (nodeId: string, since: number, what: string) => {
    await eventually(async () => (await status(nodeId)) === 'offline', {
      timeoutMs: TIMEOUT_MS + 10_000,
      intervalMs: 100,
      what,
    });
    return Date.now() - since;
  };

  it('rebuilds presence after Redis restarts empty: nodes that stop are marked offline in time', async () => {
    for (const n of beating)
      await eventually(async () => (await status(n)) === 'online', { timeoutMs: 20_000, what: `${n} online` });

    // One node dies just before the outage: its last heartbeats are taken, it is not timed out
    // yet, and the Redis that knew when it was last seen is about to be lost.
    beating.delete('rl-dies-before');
    await sleep(800);
    expect(await status('rl-dies-before')).toBe('online');
    await redis.kill();
    await eventually(async () => (await ready()) === 503, { timeoutMs: 10_000, what: 'not ready without Redis' });
    await sleep(1000);
    await redis.start();
    const back = Date.now();
    await eventually(async () => (await ready()) === 200, { timeoutMs: 20_000, what: 'ready again by itself' });

    // Its last sighting went with Redis: a full timeout from when presence was rebuilt.
    const before = await offlineWithin('rl-dies-before', back, 'the node that died before the outage offline');
    expect(before).toBeLessThanOrEqual(TIMEOUT_MS + 5000);

    // One dies after it.
    beating.delete('rl-dies-after');
    await sleep(50);
    const stoppedAt = lastBeat.get('rl-dies-after')!;
    const after = await offlineWithin('rl-dies-after', stoppedAt, 'the node that died after the outage offline');
    expect(after).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(after).toBeLessThanOrEqual(TIMEOUT_MS + 3000);

    // The well-behaved node kept heartbeating through all of it and is online.
    expect(await status('rl-steady')).toBe('online');
    expect(await ready()).toBe(200);
  });

  it('forgets offline nodes: 500 ids that heartbeat once leave presence after the timeout; one that comes back is online', async () => {
    const { js, topology } = platform.bus;
    const redisClient = new Redis(redis.url);
    const tracked = () => redisClient.zcard(`${platform.redisPrefix}registry:presence:last-seen`);
    const hashed = () => redisClient.hlen(`${platform.redisPrefix}registry:presence:status`);
    try {
      // The two nodes that stopped above are offline and forgotten: only the steady one is left.
      await eventually(async () => (await tracked()) === 1, { timeoutMs: 10_000, what: 'only rl-steady tracked' });
      const steadyCount = 1;
      const ids = Array.from({ length: 500 }, (_, i) => `rl-flood-${i}`);
      const once = (nodeId: string, seq: number) => {
        const hb: Heartbeat = {
          nodeId,
          seq,
          sentAt: new Date().toISOString(),
          hostname: nodeId,
          agentVersion: 'test',
          uptimeSeconds: 1,
          intervalMs: 300,
          labels: {},
        };
        return js.publish(topology.subjects.heartbeat(nodeId), Buffer.from(JSON.stringify(hb)), {
          msgID: `flood:${nodeId}:${seq}`,
        });
      };
      await Promise.all(ids.map((id) => once(id, 1)));
      const peak = await eventually(async () => ((await tracked()) >= steadyCount + 500 ? tracked() : undefined), {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'the 500 ids tracked',
      });
      expect(peak).toBeGreaterThanOrEqual(steadyCount + 500);
      // Timed out, marked offline, then forgotten (the sweep after the one that marked them).
      await eventually(async () => (await tracked()) <= steadyCount, {
        timeoutMs: TIMEOUT_MS + 30_000,
        intervalMs: 250,
        what: 'the flood forgotten by presence',
      });
      expect(await hashed()).toBeLessThanOrEqual(steadyCount);
      // (The read model follows the node.offline events a little behind.)
      await eventually(async () => (await status('rl-flood-7')) === 'offline', {
        timeoutMs: 20_000,
        what: 'rl-flood-7 offline in the read model',
      });
      // The well-behaved node is still there and online; a forgotten one that heartbeats again is back.
      expect(await status('rl-steady')).toBe('online');
      beating.add('rl-flood-7');
      await eventually(async () => (await status('rl-flood-7')) === 'online', { what: 'rl-flood-7 back online' });
      const page = await (await fetch(platform.url('registry-svc', '/metrics'))).text();
      expect(
        Number(/vigil_registry_presence_evictions_total(?:\{[^}]*\})? (\d+)/.exec(page)?.[1]),
      ).toBeGreaterThanOrEqual(500);
    } finally {
      await redisClient.quit();
    }
  });
});
