import { type IngestBatch, ingestBatchOf } from './batch-decoder';
import { type CardinalityLimit, type CardinalityLimits, PartitionState } from './partition-state';

const S = 1000;
const T0 = 1_764_000_000 * S;

function batch(nodeId: string, timestamp: number, series: [string, Record<string, string>][], value = 1): IngestBatch {
  return ingestBatchOf({
    nodeId,
    seq: 0,
    timestamp,
    samples: series.map(([name, labels]) => ({ name, labels, value })),
  });
}
const numbered = (metric: string, n: number, from = 0): [string, Record<string, string>][] =>
  Array.from({ length: n }, (_, i) => [metric, { i: String(from + i) }]);

/** A state with limits, a clock the test moves, and what it reported. */
function harness(limits: Partial<CardinalityLimits>) {
  let now = T0;
  const limited: [string, CardinalityLimit, number][] = [];
  const evicted = { series: 0, node: 0 };
  const state = new PartitionState(
    { resumeSeq: 0, flushed: new Map() },
    {
      limits,
      clock: () => now,
      onLimited: (node, limit, n) => limited.push([node, limit, n]),
      onEvicted: (what, n) => (evicted[what] += n),
    },
  );
  let seq = 0;
  return {
    state,
    limited,
    evicted,
    fold: (b: IngestBatch) => state.fold(++seq, b),
    advance: (ms: number) => (now += ms),
    now: () => now,
    /** Writes everything due (as a successful flush does). */
    flush: () => state.committed(state.plan(now, 0, true)),
    /** The series of the rows due at `now`, as `node metric i`. */
    written: () =>
      state
        .plan(now, 0, true)
        .rows.map((r) => `${r.slot.nodeId} ${r.slot.metric} ${r.slot.labels.i ?? ''} ${r.agg.sum}`)
        .sort(),
  };
}

describe('PartitionState cardinality limits', () => {
  it('keeps a node to its series limit: the excess of a batch is dropped and counted, the rest stored', () => {
    const h = harness({ perNode: 3 });
    h.fold(batch('wide', T0, numbered('m', 5), 2));
    h.fold(batch('wide', T0 + S, numbered('m', 5), 2));
    h.fold(batch('calm', T0, numbered('m', 2), 7));
    expect(h.limited).toEqual([
      ['wide', 'series_per_node', 2],
      ['wide', 'series_per_node', 2],
    ]);
    expect(h.state.lastDropped).toBe(0);
    h.advance(20 * S);
    expect(h.written()).toEqual(['calm m 0 7', 'calm m 1 7', 'wide m 0 4', 'wide m 1 4', 'wide m 2 4']);
    expect(h.state.seriesCount()).toBe(5);
  });

  it('keeps a metric to its share of the partition across nodes, and other metrics unaffected', () => {
    const h = harness({ perMetric: 4 });
    h.fold(batch('a', T0, [...numbered('hot', 3), ['cool', {}]]));
    h.fold(batch('b', T0, [...numbered('hot', 3, 10), ['cool', {}]]));
    expect(h.limited).toEqual([['b', 'series_per_metric', 2]]);
    expect(h.state.lastDropped).toBe(2);
    h.advance(20 * S);
    const written = h.written();
    expect(written.filter((r) => r.includes(' hot '))).toHaveLength(4);
    expect(written.filter((r) => r.includes(' cool '))).toHaveLength(2);
  });

  it('at the replica’s ceiling takes no new node, and the nodes it holds go on', () => {
    let held = 0;
    const h = harness({ maxHeld: 10, held: () => held });
    h.fold(batch('old', T0, numbered('m', 3)));
    held = 10;
    h.fold(batch('new', T0, numbered('m', 2)));
    h.fold(batch('old', T0 + S, numbered('m', 3)));
    expect(h.limited).toEqual([['new', 'series_in_memory', 2]]);
    expect(h.state.nodeCount()).toBe(1);
    h.advance(20 * S);
    expect(h.written()).toEqual(['old m 0 2', 'old m 1 2', 'old m 2 2']);
  });

  it('forgets a silent node and series its node stopped sending, only once their buckets are written', () => {
    const idleMs = 60 * S;
    const h = harness({ idleMs, perNode: 4 });
    h.fold(batch('gone', T0, numbered('m', 2)));
    h.fold(batch('churn', T0, numbered('m', 4)));
    // churn replaces its series; the old ones are stale from now on, and at its limit the new ones wait.
    h.advance(5 * S);
    h.fold(batch('churn', h.now(), numbered('m', 4, 100)));
    expect(h.limited).toEqual([['churn', 'series_per_node', 4]]);
    // Written, and idle for longer than idleMs: both the silent node and the stale series go.
    h.advance(20 * S);
    h.flush();
    h.advance(idleMs);
    h.fold(batch('churn', h.now(), numbered('m', 4, 100)));
    h.flush();
    expect(h.evicted).toEqual({ series: 6, node: 1 });
    expect([h.state.nodeCount(), h.state.seriesCount()]).toEqual([1, 0]);
    // The new series now have room (on the node's next batch); a returning node starts afresh.
    h.fold(batch('churn', h.now() + S, numbered('m', 4, 100), 3));
    h.fold(batch('gone', h.now() + S, numbered('m', 2), 5));
    expect([h.state.nodeCount(), h.state.seriesCount()]).toEqual([2, 6]);
    h.advance(20 * S);
    expect(h.written()).toEqual(
      ['churn m 100 3', 'churn m 101 3', 'churn m 102 3', 'churn m 103 3', 'gone m 0 5', 'gone m 1 5'].sort(),
    );
  });

  it('does not forget a series whose bucket is not written yet', () => {
    const h = harness({ idleMs: 10 * S });
    h.fold(batch('n', T0, numbered('m', 2), 4));
    // No flush has written the bucket: however long, the node stays.
    h.advance(60 * S);
    h.fold(batch('other', h.now(), numbered('m', 1)));
    h.state.takeLive();
    expect(h.state.nodeCount()).toBe(2);
    expect(h.written()).toContain('n m 0 4');
  });
});
