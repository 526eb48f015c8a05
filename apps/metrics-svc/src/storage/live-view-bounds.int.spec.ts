import { Cache } from '@vigil/platform';
import { testUrls, uniqueId } from '@vigil/test-support';
import { Redis } from 'ioredis';
import { ingestBatchOf } from '../ingest/batch-decoder';
import { PartitionState } from '../ingest/partition-state';
import { readLatest } from '../query/latest.reader';
import { latestKey, writeLatest } from './latest.writer';
import { LiveViewSweep } from './live-view-sweep';

const S = 1000;
const IDLE = 60 * S;
const NODES = 100;
const METRICS = 30;

/**
 * The live view in Redis stays as large as what is live: node ids and metric names are chosen
 * by agents, and a field written once must go once its series is forgotten (the ingest deletes
 * it) or, if no process is left to forget it, once nothing wrote it for a while (the sweep).
 */
describe('live view bounds (real Redis)', () => {
  let cache: Cache;
  beforeAll(() => {
    cache = new Cache(new Redis(testUrls.redis), `${uniqueId('vigil-test-')}:`);
  });
  afterAll(async () => {
    const keys = await cache.redis.keys(`${cache.prefix}*`);
    if (keys.length) await cache.redis.del(...keys);
    await cache.close();
  });

  const liveKeys = async () => (await cache.redis.keys(`${latestKey(cache, '')}*`)).sort();
  const fields = async () => {
    let n = 0;
    for (const key of await liveKeys()) n += await cache.redis.hlen(key);
    return n;
  };

  it('deletes the fields of forgotten series and nodes; a hash left empty goes; live ones are kept and expire only if idle', async () => {
    let now = 1_764_000_000 * S;
    const state = new PartitionState(
      { resumeSeq: 0, flushed: new Map() },
      { limits: { idleMs: IDLE }, clock: () => now },
    );
    let seq = 0;
    let id = 0;
    const send = (nodeId: string, samples: { name: string; labels: Record<string, string> }[]) =>
      state.fold(
        ++seq,
        ingestBatchOf({ nodeId, seq, timestamp: now, samples: samples.map((s) => ({ ...s, value: 1 })) }),
      );
    const write = async () => {
      const update = state.takeLive();
      for (const g of update.groups) for (const slot of g.slots) if (slot.id === 0) slot.id = ++id;
      await writeLatest(cache, update.groups, { gone: update.gone, ttlMs: 2 * IDLE });
      return update;
    };
    const flood = Array.from({ length: METRICS }, (_, m) => ({ name: `flood_${m}`, labels: { v: String(m) } }));
    // 100 nodes, each with 30 metrics of their own naming: 3,000 fields in 30 hashes.
    for (let n = 0; n < NODES; n++) send(`flood-${n}`, flood);
    const live: { name: string; labels: Record<string, string> }[] = [
      { name: 'flood_0', labels: { v: 'live' } },
      { name: 'node_load1', labels: {} },
      { name: 'node_cpu', labels: { cpu: '0' } },
      { name: 'node_cpu', labels: { cpu: '1' } },
    ];
    send('steady', live);
    await write();
    expect(await fields()).toBe(NODES * METRICS + 3);
    expect(await liveKeys()).toHaveLength(METRICS + 2);

    // The flood stops; the steady node goes on, and stops sending cpu 1 after a while.
    for (let t = 0; t < 2 * IDLE; t += 10 * S) {
      now += 10 * S;
      send('steady', t < IDLE / 2 ? live : live.slice(0, 3));
      state.committed(state.plan(now, 0, true));
      await write();
    }
    expect(await fields()).toBe(3);
    expect(await liveKeys()).toEqual(['flood_0', 'node_cpu', 'node_load1'].map((m) => latestKey(cache, m)));
    // The steady node's values are all there, its cpu field without the forgotten cpu 1.
    const slots = state.takeLive().groups.flatMap((g) => g.slots);
    expect(slots).toEqual([]);
    const cpu = await cache.redis.hgetBuffer(latestKey(cache, 'node_cpu'), 'steady');
    expect(cpu?.length).toBe(64);
    for (const key of await liveKeys()) {
      const ttl = await cache.redis.pttl(key);
      expect(ttl).toBeGreaterThan(IDLE);
      expect(ttl).toBeLessThanOrEqual(2 * IDLE);
    }
  });

  it('sweeps fields nobody deleted (their process stopped) once their newest sample is old; fresh ones stay', async () => {
    // The first test's fields carry sample times of 2025: a sweep would take them too.
    for (const key of await liveKeys()) await cache.redis.del(key);
    const now = Date.now();
    const value = (lastAt: number) => ({ lastAt, last: 1, bucket: lastAt, min: 1, max: 1, sum: 1, count: 1 });
    const groups = Array.from({ length: 500 }, (_, i) => ({
      nodeId: `orphan-${i}`,
      metric: `orphan_metric_${i % 7}`,
      slots: [{ id: 10_000 + i, recent: value(now - 3 * IDLE) }],
    }));
    groups.push({ nodeId: 'fresh', metric: 'orphan_metric_0', slots: [{ id: 20_000, recent: value(now - 1000) }] });
    await writeLatest(cache, groups);
    const before = await fields();
    expect(await new LiveViewSweep(cache, 2 * IDLE).run()).toBe(500);
    expect(await fields()).toBe(before - 500);
    expect(await cache.redis.hkeys(latestKey(cache, 'orphan_metric_0'))).toEqual(['fresh']);
    const read = await readLatest(cache, [{ id: 20_000, metric: 'orphan_metric_0', nodeId: 'fresh', labels: {} }]);
    expect(read.get(20_000)?.lastAt).toBe(now - 1000);
    // Nothing left to sweep.
    expect(await new LiveViewSweep(cache, 2 * IDLE).run()).toBe(0);
  });
});
