import { Cache } from '@vigil/platform';
import { testUrls, uniqueId } from '@vigil/test-support';
import { Redis } from 'ioredis';
import { ingestBatchOf } from '../ingest/batch-decoder';
import { PartitionState } from '../ingest/partition-state';
import { writeLatest } from '../storage/latest.writer';
import { readLatest } from './latest.reader';

const S = 1000;

describe('live view', () => {
  let cache: Cache;
  beforeAll(() => {
    cache = new Cache(new Redis(testUrls.redis), `${uniqueId('vigil-test-')}:`);
  });
  afterAll(async () => {
    const keys = await cache.redis.keys(`${cache.prefix}*`);
    if (keys.length) await cache.redis.del(...keys);
    await cache.close();
  });

  it('writes a node’s series of one metric together and reads back each one, only what was asked', async () => {
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    const t = 1_764_000_000 * S;
    const cpu = (nodeId: string, timestamp: number, values: number[]) =>
      ingestBatchOf({
        nodeId,
        seq: 0,
        timestamp,
        samples: [
          ...values.map((value, cpu) => ({ name: 'node_cpu_usage_percent', labels: { cpu: String(cpu) }, value })),
          { name: 'node_load1', labels: {}, value: values[0] / 100 },
        ],
      });
    state.fold(1, cpu('a', t, [10, 20, 30]));
    state.fold(2, cpu('b', t, [40, 50, 60]));
    state.fold(3, cpu('a', t + S, [11, 21, 31]));
    const update = state.takeLive();
    expect(update.groups.map((g) => `${g.nodeId} ${g.metric} ${g.slots.length}`)).toEqual([
      'a node_cpu_usage_percent 3',
      'a node_load1 1',
      'b node_cpu_usage_percent 3',
      'b node_load1 1',
    ]);
    let id = 100;
    for (const g of update.groups) for (const slot of g.slots) slot.id = ++id;
    await writeLatest(cache, update.groups);

    const slots = update.groups.flatMap((g) => g.slots);
    const asked = slots.filter((s) => s.metric === 'node_cpu_usage_percent' && s.labels.cpu !== '1');
    const read = await readLatest(cache, asked);
    expect([...read.keys()].sort()).toEqual(asked.map((s) => s.id).sort());
    for (const s of asked) {
      expect(read.get(s.id)).toEqual({
        lastAt: s.recent!.lastAt,
        last: s.recent!.last,
        bucket: s.recent!.bucket,
        min: s.recent!.min,
        max: s.recent!.max,
        sum: s.recent!.sum,
        count: s.recent!.count,
      });
    }
    expect(read.get(slots[0].id)).toMatchObject({ last: 11, min: 10, max: 11, sum: 21, count: 2, lastAt: t + S });

    // A later write of one group replaces that node's field and leaves the others as they were.
    state.fold(4, cpu('b', t + S, [41, 51, 61]));
    await writeLatest(cache, state.takeLive().groups);
    const again = await readLatest(cache, slots);
    expect(slots.map((s) => again.get(s.id)?.last)).toEqual([11, 21, 31, 0.11, 41, 51, 61, 0.41]);
  });
});
