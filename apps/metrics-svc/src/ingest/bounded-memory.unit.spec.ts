import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { decodeIngestBatch } from './batch-decoder';
import { type CardinalityLimit, PartitionState } from './partition-state';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MiB = 1024 * 1024;
const MAX_HELD = 100_000;
/** The ceiling this test holds the ingest to: heap growth after gc, whatever it was sent. */
const HEAP_CEILING_MB = 160;

// About 30 s on a quiet machine with two cores; ten times that CPU-starved (load 20 on 2 cores: 100 s).
jest.setTimeout(300_000);

/**
 * A million distinct node ids, label values and series through the real decode and fold path
 * of one partition (what PartitionWorker does with each message, without the database): the
 * memory the ingest holds stays under a ceiling set by VIGIL_METRICS_INGEST_MAX_SERIES, and a
 * well-behaved node's samples are still folded and due for writing.
 */
describe('the ingest’s memory under a million distinct series', () => {
  it('stays under its ceiling, forgets what went idle, and keeps folding a well-behaved node', () => {
    let now = 1_764_000_000_000;
    const limited = new Map<CardinalityLimit, number>();
    const evicted = { series: 0, node: 0 };
    const state: PartitionState = new PartitionState(
      { resumeSeq: 0, flushed: new Map() },
      {
        limits: {
          perNode: 30_000,
          perMetric: 125_000,
          idleMs: 60_000,
          maxHeld: MAX_HELD,
          held: () => state.seriesCount() + state.nodeCount(),
        },
        clock: () => now,
        onLimited: (_node, limit, n) => limited.set(limit, (limited.get(limit) ?? 0) + n),
        onEvicted: (what, n) => (evicted[what] += n),
      },
    );
    let seq = 0;
    let good = 0;
    let goodWritten = 0;
    let maxHeld = 0;
    const send = (nodeId: string, series: string, values: string) => {
      const json = `{"v":2,"nodeId":"${nodeId}","seq":${++seq},"timestamp":${now},"intervalMs":1000,"series":${JSON.stringify(series)},"values":[${values}]}`;
      state.fold(seq, decodeIngestBatch(Buffer.from(json), state.knownSeries));
    };
    const goodSeries = 'node_load1{}\nnode_cpu_usage_percent{"cpu":"0"}';
    /** Every 500 ms of the clock: a flush takes what is due (written, as far as this test goes). */
    let nextFlush = now + 500;
    const flush = () => {
      const plan = state.plan(now, 0, true);
      for (const r of plan.rows) if (r.slot.nodeId === 'good') goodWritten += r.agg.count;
      state.committed(plan);
      state.takeLive();
      maxHeld = Math.max(maxHeld, state.seriesCount() + state.nodeCount());
    };
    const tick = (ms: number) => {
      now += ms;
      if (now >= nextFlush) {
        flush();
        nextFlush = now + 500;
      }
    };

    gc();
    const base = process.memoryUsage();
    const heapAt: number[] = [];
    const phases: number[] = [];
    let phaseStart = Date.now();
    const measure = () => {
      phases.push((Date.now() - phaseStart) / 1000);
      phaseStart = Date.now();
      gc();
      heapAt.push((process.memoryUsage().heapUsed - base.heapUsed) / MiB);
    };
    const started = Date.now();

    // 1. A burst: 400,000 new node ids at once, each with a new label value (no time passes).
    for (let i = 0; i < 400_000; i++) {
      send(`burst-${i}`, `probe{"id":"v${i}"}`, '1');
      if (i % 1000 === 0) {
        send('good', goodSeries, '1,2');
        good += 2;
      }
    }
    flush();
    measure();
    expect(state.seriesCount() + state.nodeCount()).toBeLessThanOrEqual(MAX_HELD);
    expect(limited.get('series_in_memory')).toBeGreaterThan(300_000);

    // 2. Steady: 400,000 more node ids, 10 ms apart; those silent for a minute are forgotten.
    for (let i = 0; i < 400_000; i++) {
      send(`steady-${i}`, `probe{"id":"w${i}"}`, '1');
      if (i % 100 === 0) {
        send('good', goodSeries, '1,2');
        good += 2;
      }
      tick(10);
    }
    measure();

    // 3. One node churning: 200 batches of 1,000 series it never sends again (label values).
    const values = Array.from({ length: 1000 }, () => '1').join(',');
    for (let b = 0; b < 200; b++) {
      const lines: string[] = [];
      for (let j = 0; j < 1000; j++) lines.push(`churn_metric{"pod":"p${b * 1000 + j}"}`);
      send('churner', lines.join('\n'), values);
      send('good', goodSeries, '1,2');
      good += 2;
      tick(1000);
    }
    // Past the idle time, everything but the good node has been forgotten.
    for (let s = 0; s < 70; s++) {
      send('good', goodSeries, '1,2');
      good += 2;
      tick(1000);
    }
    tick(20_000);
    flush();
    measure();
    const seconds = (Date.now() - started) / 1000;
    const sent = 800_000 + 200_000;

    process.stdout.write(
      `${JSON.stringify({
        distinctSeriesSent: sent,
        seconds,
        phaseSeconds: phases,
        heapGrowthMb: heapAt.map((h) => Math.round(h * 10) / 10),
        rssMb: Math.round(process.memoryUsage().rss / MiB),
        maxHeld,
        limited: Object.fromEntries(limited),
        evicted,
        held: { series: state.seriesCount(), nodes: state.nodeCount() },
      })}\n`,
    );
    expect(maxHeld).toBeLessThanOrEqual(MAX_HELD);
    for (const h of heapAt) expect(h).toBeLessThan(HEAP_CEILING_MB);
    expect(evicted.node).toBeGreaterThan(400_000);
    expect(state.nodeCount()).toBe(1);
    expect(state.seriesCount()).toBe(2);
    // Every sample of the well-behaved node was folded and written.
    expect(goodWritten).toBe(good);
  });
});
