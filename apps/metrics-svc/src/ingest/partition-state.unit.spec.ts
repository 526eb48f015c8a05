import { Agg, type FlushPlan, PartitionState, type StoredPosition } from './partition-state';
import { type IngestBatch, ingestBatchOf } from './batch-decoder';

const S = 1000;

function batch(nodeId: string, timestamp: number, values: Record<string, number>): IngestBatch {
  return ingestBatchOf({
    nodeId,
    seq: 0,
    timestamp,
    samples: Object.entries(values).map(([name, value]) => ({ name, labels: {}, value })),
  });
}

/** A stand-in for Postgres that applies flush plans the way RollupWriter does (merge). */
class FakeStore {
  readonly rows = new Map<string, Agg>();
  position: StoredPosition = { resumeSeq: 0, flushed: new Map() };

  commit(plan: FlushPlan): void {
    for (const { slot, agg } of plan.rows) {
      const key = `${slot.nodeId}|${slot.metric}|${agg.bucket}`;
      const existing = this.rows.get(key);
      if (existing) existing.merge(agg);
      else this.rows.set(key, agg.copy());
    }
    const flushed = new Map(this.position.flushed);
    for (const f of plan.flushed) flushed.set(f.bucket, f.throughSeq);
    for (const [b, t] of flushed) if (t <= plan.resumeSeq) flushed.delete(b);
    this.position = { resumeSeq: plan.resumeSeq, flushed };
  }
}

/** Exact aggregates straight from the messages. */
function expected(stream: IngestBatch[]): Map<string, Agg> {
  const out = new Map<string, Agg>();
  for (const b of stream) {
    const bucket = Math.floor(b.timestamp / 10_000) * 10_000;
    b.values.forEach((value, i) => {
      const key = `${b.nodeId}|${b.list!.names[i]}|${bucket}`;
      const a = out.get(key);
      if (a) a.add(value, b.timestamp);
      else out.set(key, new Agg(bucket, value, b.timestamp));
    });
  }
  return out;
}

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

describe('PartitionState', () => {
  it('writes a bucket once the clock is past its end plus the grace, and keeps the open one', () => {
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    state.fold(1, batch('n1', 100 * S, { cpu: 10 }));
    state.fold(2, batch('n1', 105 * S, { cpu: 30 }));
    state.fold(3, batch('n1', 111 * S, { cpu: 50 }));
    const plan = state.plan(112 * S, 2 * S, true);
    expect(plan.rows).toHaveLength(1);
    expect(plan.rows[0].agg).toMatchObject({ bucket: 100 * S, min: 10, max: 30, sum: 40, count: 2, last: 30 });
    expect(plan.flushed).toEqual([{ bucket: 100 * S, throughSeq: 3 }]);
    // Message 3 belongs to the open bucket: a new owner must read it again.
    expect(plan.resumeSeq).toBe(2);
    expect(plan.closedThrough).toBe(110 * S);
    const live = state.takeLive();
    expect(live.groups.flatMap((g) => g.slots.map((s) => s.recent?.last))).toEqual([50]);
    expect(live.batchTimestamps).toEqual([100 * S, 105 * S, 111 * S]);
    expect(state.takeLive().groups).toEqual([]);
  });

  it('skips, on a replay, the messages a written bucket already holds', () => {
    const state = new PartitionState({ resumeSeq: 2, flushed: new Map([[100 * S, 3]]) });
    expect(state.startSeq()).toBe(3);
    expect(state.fold(3, batch('n1', 104 * S, { cpu: 1 }))).toBe('replayed');
    expect(state.fold(4, batch('n1', 104 * S, { cpu: 2 }))).toBe('folded');
    const plan = state.plan(200 * S, 2 * S, true);
    expect(plan.rows.map((r) => r.agg.sum)).toEqual([2]);
  });

  it('folds a late sample into a new delta, not into an aggregate a plan already took', () => {
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    state.fold(1, batch('n1', 100 * S, { cpu: 10 }));
    const first = state.plan(200 * S, 2 * S, true);
    state.committed(first);
    expect(first.rows.map((r) => r.agg.sum)).toEqual([10]);
    // Late, in the same bucket, which is still the node's newest.
    state.fold(2, batch('n1', 105 * S, { cpu: 5 }));
    const second = state.plan(200 * S, 2 * S, true);
    expect(second.rows.map((r) => [r.agg.bucket, r.agg.sum, r.agg.count])).toEqual([[100 * S, 5, 1]]);
    expect(first.rows[0].agg).toMatchObject({ sum: 10, count: 1 });
  });

  it('keeps the closed-through mark behind the data read while a backlog remains', () => {
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    state.fold(1, batch('n1', 1000 * S, { cpu: 1 }));
    expect(state.plan(5000 * S, 2 * S, false).closedThrough).toBe(990 * S);
    expect(state.hasPending()).toBe(true);
    expect(state.plan(5000 * S, 2 * S, true).closedThrough).toBe(4990 * S);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('counts every sample once through crashes at random moments (seed %i)', (seed) => {
    const rnd = prng(seed);
    // A stream of batches from 5 nodes over ~3 minutes, a fifth of them late by up to 40 s.
    const stream: IngestBatch[] = [];
    let clock = 1_000_000 * S;
    for (let i = 0; i < 600; i++) {
      clock += Math.floor(rnd() * 600);
      const late = rnd() < 0.2 ? Math.floor(rnd() * 40 * S) : 0;
      stream.push(
        batch(`n${Math.floor(rnd() * 5)}`, clock - late, { cpu: Math.floor(rnd() * 100), mem: Math.floor(rnd() * 10) }),
      );
    }
    const store = new FakeStore();
    let state = new PartitionState(store.position);
    let seq = state.startSeq();
    let now = stream[0].timestamp;
    let steps = 0;
    while (seq <= stream.length || state.hasPending()) {
      if (++steps > 100_000) throw new Error('no progress');
      const r = rnd();
      if (r < 0.05) {
        // Crash: memory is lost, a new owner starts from what was committed.
        state = new PartitionState(store.position);
        seq = state.startSeq();
        continue;
      }
      if (r < 0.2 || seq > stream.length) {
        now += Math.floor(rnd() * 3 * S);
        const plan = state.plan(now, 2 * S, seq > stream.length);
        // A crash between taking a plan and committing it loses the plan.
        if (rnd() < 0.1) {
          state = new PartitionState(store.position);
          seq = state.startSeq();
        } else {
          store.commit(plan);
          state.committed(plan);
        }
        continue;
      }
      if (seq <= stream.length) {
        const b = stream[seq - 1];
        if (b.timestamp > now) now = b.timestamp;
        state.fold(seq, b);
        seq++;
      }
    }
    const want = expected(stream);
    expect([...store.rows.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, agg] of want) {
      const got = store.rows.get(key)!;
      expect({ key, min: got.min, max: got.max, sum: got.sum, count: got.count, last: got.last }).toEqual({
        key,
        min: agg.min,
        max: agg.max,
        sum: agg.sum,
        count: agg.count,
        last: agg.last,
      });
    }
  });

  it('reports for the lag only the batches no earlier reading had shown; those read again are counted apart', () => {
    const now = 100 * S;
    // An earlier reading (another replica, or this one before a rewind) had folded through seq 5.
    const state = new PartitionState({ resumeSeq: 2, shownThrough: 5, flushed: new Map() }, { clock: () => now });
    for (let seq = 3; seq <= 8; seq++) state.fold(seq, batch('n1', now - (9 - seq) * S, { cpu: seq }));
    const update = state.takeLive();
    expect(update.batchTimestamps).toEqual([now - 3 * S, now - 2 * S, now - S]);
    expect(update.reread).toBe(3);
    expect(update.throughSeq).toBe(8);
    // Taken once: the next update starts from nothing.
    state.fold(9, batch('n1', now, { cpu: 9 }));
    expect(state.takeLive()).toMatchObject({ batchTimestamps: [now], reread: 0, throughSeq: 9 });
  });
});
