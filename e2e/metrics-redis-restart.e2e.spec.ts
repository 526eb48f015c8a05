import { type SampleBatch, sampleBatchMessage } from '@vigil/contracts';
import { eventually, OwnRedisServer, type ServiceProcess, sleep } from '@vigil/test-support';
import { Client } from 'pg';
import { TestPlatform } from './platform';

jest.setTimeout(420_000);

/** The soak's shape, smaller: a few hundred nodes, one batch of three series a second each. */
const NODES = 300;
const PARTITIONS = 16;
/** As the chaos runs have them (tools/chaos/chaos.js): a 3 s lease, Redis down 2.5 s, a pause of the lease + 1 s. */
const LEASE_MS = 3000;
const OUTAGE_MS = 2500;
const PAUSE_MS = LEASE_MS + 1000;
/** How long after Redis is back the late replica stays held: well within its lease. */
const LATE_MS = 1500;
const WINDOW_MS = 5000;
const BEFORE_MS = 10_000;
const AFTER_MS = 30_000;
/**
 * The bound the fix holds: ingest lag p99 of the batches sent from the Redis restart on. A
 * Redis outage of 2.5 s delays nothing in the ingest itself (the positions and the fences are
 * in Postgres), so it leaves room for a busy two-core machine, not for a hand-over (before the
 * fix, a replica that reconnected first took the other's partitions: 74 s).
 */
const LAG_P99_BOUND_S = 8;

interface Sent {
  seq: number;
  ts: number;
}

interface Snapshot {
  lag: Map<number, number>[];
  reread: number[];
  owned: number[];
  generations: number;
}

/**
 * Ingest lag through faults of the partition leases' Redis (a redis-server of the test's own,
 * SIGKILLed and started again empty) and of one replica (SIGSTOP past its lease): two
 * metrics-svc replicas, 16 partitions, a steady fleet. Lag is measured by the test itself, from
 * each batch's timestamp until its partition's durable position (`processed_seq` in Postgres,
 * written at each flush) has passed it; the replicas' own `vigil_metrics_ingest_lag_seconds`
 * (the live view, which is in that Redis) is shown beside it, with the batches read again and
 * the partition hand-overs (the Postgres generations taken) per 5 s window.
 */
describe('metrics ingest lag through a Redis restart and a paused replica', () => {
  const redis = new OwnRedisServer();
  let platform: TestPlatform;
  let pg: Client;
  let replicas: { process: ServiceProcess; port: number }[];

  beforeAll(async () => {
    await redis.start();
  });
  afterAll(async () => {
    await redis.kill();
  });
  beforeEach(async () => {
    platform = await new TestPlatform({}, PARTITIONS).setup();
    pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
    const env = {
      REDIS_URL: redis.url,
      VIGIL_METRICS_LEASE_MS: String(LEASE_MS),
      LOG_LEVEL: 'warn',
    };
    replicas = [await platform.startMetrics(env), await platform.startMetrics(env)];
  });
  afterEach(async () => {
    await pg.end();
    await platform.teardown();
  });

  /** Publishes one batch per node a second (a tenth of the fleet every 100 ms) until stopped. */
  function fleet(sent: Map<number, Sent[]>, counts: { samples: number }, shouldStop: () => boolean): Promise<void> {
    const { js, topology } = platform.bus;
    const seqs = new Array<number>(NODES).fill(0);
    return (async () => {
      for (let round = 0; !shouldStop(); round++) {
        const started = Date.now();
        const slice = round % 10;
        const pending: Promise<void>[] = [];
        for (let n = slice; n < NODES; n += 10) {
          const batch: SampleBatch = {
            nodeId: `rr-${n}`,
            seq: ++seqs[n],
            timestamp: Date.now(),
            intervalMs: 1000,
            samples: ['cpu', 'mem', 'load'].map((name) => ({ name, labels: {}, value: seqs[n] % 100 })),
          };
          const m = sampleBatchMessage(topology, batch);
          const partition = topology.parse.samples(m.subject)!.partition;
          pending.push(
            js.publish(m.subject, m.data, { msgID: m.msgId }).then((ack) => {
              sent.get(partition)!.push({ seq: ack.seq, ts: batch.timestamp });
              counts.samples += batch.samples.length;
            }),
          );
        }
        await Promise.all(pending);
        await sleep(Math.max(0, 100 - (Date.now() - started)));
      }
    })();
  }

  /** Every 250 ms: which sent batches each partition's stored position has passed since. */
  function tracker(sent: Map<number, Sent[]>, windows: Map<number, number[]>, t0: number, shouldStop: () => boolean) {
    const through = new Map<number, number>();
    return (async () => {
      while (!shouldStop()) {
        const { rows } = await pg.query<{ partition: number; processed_seq: string | null }>(
          'SELECT partition, processed_seq FROM metrics.ingest_partitions',
        );
        const now = Date.now();
        for (const r of rows)
          through.set(r.partition, Math.max(through.get(r.partition) ?? 0, Number(r.processed_seq ?? 0)));
        for (const [p, list] of sent) {
          const done = through.get(p) ?? 0;
          const left: Sent[] = [];
          for (const s of list) {
            if (s.seq > done) {
              left.push(s);
              continue;
            }
            const w = Math.floor((s.ts - t0) / WINDOW_MS);
            let lags = windows.get(w);
            if (!lags) windows.set(w, (lags = []));
            lags.push((now - s.ts) / 1000);
          }
          sent.set(p, left);
        }
        await sleep(250);
      }
    })();
  }

  async function snapshot(last?: Snapshot): Promise<Snapshot> {
    const pages = await Promise.all(
      replicas.map(({ port }) =>
        fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) })
          .then((r) => r.text())
          .catch(() => undefined),
      ),
    );
    const { rows } = await pg.query<{ g: string }>(
      'SELECT coalesce(sum(generation), 0) AS g FROM metrics.ingest_partitions',
    );
    return {
      // A paused replica does not answer: its figures are those of the last scrape.
      lag: pages.map((page, i) => (page === undefined ? last!.lag[i] : lagBuckets(page))),
      reread: pages.map((page, i) =>
        page === undefined ? last!.reread[i] : metricValue(page, 'vigil_metrics_ingest_reread_batches_total'),
      ),
      owned: pages.map((page, i) =>
        page === undefined ? last!.owned[i] : metricValue(page, 'vigil_metrics_ingest_partitions_owned'),
      ),
      generations: Number(rows[0].g),
    };
  }

  /** Runs the fleet, `fault` at BEFORE_MS, and reports the figures per window. */
  async function measure(what: string, fault: () => Promise<void>) {
    const sent = new Map<number, Sent[]>(Array.from({ length: PARTITIONS }, (_, p) => [p, []]));
    const windows = new Map<number, number[]>();
    const counts = { samples: 0 };
    let stopFleet = false;
    let stopTracker = false;
    // Every partition owned, half each, before anything is measured.
    await eventually(
      async () => {
        const s = await snapshot();
        return s.owned.every((n) => n === PARTITIONS / 2);
      },
      { timeoutMs: 30_000, what: 'the partitions shared by both replicas' },
    );
    const t0 = Date.now();
    const flow = fleet(sent, counts, () => stopFleet);
    const tracking = tracker(sent, windows, t0, () => stopTracker);
    const snaps: Snapshot[] = [await snapshot()];
    const sampler = (async () => {
      while (!stopTracker) {
        await sleep(t0 + snaps.length * WINDOW_MS - Date.now());
        snaps.push(await snapshot(snaps.at(-1)));
      }
    })();
    await sleep(BEFORE_MS);
    const faultAt = Date.now();
    await fault();
    const faultEnd = Date.now();
    await sleep(AFTER_MS);
    stopFleet = true;
    await flow;
    await eventually(() => [...sent.values()].every((l) => l.length === 0), {
      timeoutMs: 300_000,
      intervalMs: 500,
      what: 'every batch sent ingested',
    });
    stopTracker = true;
    await Promise.all([tracking, sampler]);

    const rows: string[] = [];
    let handovers = 0;
    let reread = 0;
    const faultWindow = Math.floor((faultAt - t0) / WINDOW_MS);
    const after: number[] = [];
    for (const [i, lags] of [...windows].sort((a, b) => a[0] - b[0])) {
      const s0 = snaps[i];
      const s1 = snaps[i + 1] ?? snaps.at(-1)!;
      const hand = s1.generations - s0.generations;
      const rr = s1.reread.reduce((a, b) => a + b, 0) - s0.reread.reduce((a, b) => a + b, 0);
      handovers += hand;
      reread += rr;
      if (i >= faultWindow) after.push(...lags);
      const svcP99 = histogramP99(s0.lag, s1.lag);
      rows.push(
        [
          `${((i * WINDOW_MS + t0 - faultAt) / 1000).toFixed(0).padStart(4)} s`,
          String(lags.length).padStart(6),
          pct(lags, 0.5).toFixed(2).padStart(7),
          pct(lags, 0.99).toFixed(2).padStart(7),
          Math.max(0, ...lags)
            .toFixed(2)
            .padStart(7),
          (svcP99 === undefined ? '-' : svcP99.toFixed(2)).padStart(8),
          String(rr).padStart(7),
          String(hand).padStart(6),
          s1.owned.join('/').padStart(6),
        ].join(' '),
      );
    }
    const afterP99 = pct(after, 0.99);
    const report = [
      `${what}: fault ${((faultEnd - faultAt) / 1000).toFixed(1)} s, ${NODES} nodes, ${PARTITIONS} partitions, lease ${LEASE_MS} ms`,
      'window  batches   p50 s   p99 s   max s  svc p99  reread  hand  owned',
      ...rows,
      `from the fault on: ${after.length} batches, lag p99 ${afterP99.toFixed(2)} s, max ${Math.max(0, ...after).toFixed(2)} s; reread ${reread}, hand-overs ${handovers}`,
    ].join('\n');
    console.log(report);
    return { afterP99, handovers, samples: counts.samples };
  }

  /** Every sample sent is in the 10 s tier once (the buckets close a grace after their end). */
  async function expectStoredOnce(samples: number): Promise<void> {
    await eventually(
      async () => {
        const { rows } = await pg.query<{ n: string }>(
          'SELECT coalesce(sum(count), 0)::bigint AS n FROM metrics.rollup_10s',
        );
        const n = Number(rows[0].n);
        if (n > samples) throw new Error(`the 10 s tier counts ${n} samples, only ${samples} were sent`);
        return n === samples;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `${samples} samples in the 10 s tier` },
    );
  }

  it('keeps ingesting through a Redis restart (SIGKILL, 2.5 s down, back empty)', async () => {
    const r = await measure('redis restart', async () => {
      await redis.kill();
      await sleep(OUTAGE_MS);
      await redis.start();
    });
    await expectStoredOnce(r.samples);
    expect(r.handovers).toBe(0);
    expect(r.afterP99).toBeLessThan(LAG_P99_BOUND_S);
  });

  it('leaves each partition with its owner when one replica meets the restarted Redis first', async () => {
    // On a busy machine the replicas reconnect at different moments: here one is held (SIGSTOP)
    // from the moment Redis answers again until LATE_MS later, well within its lease (its
    // flushes went on through the outage: Postgres was there), while the other finds every
    // lease free.
    const late = replicas[1].process;
    let heldMs = 0;
    const r = await measure('redis restart, one replica late', async () => {
      await redis.kill();
      await sleep(OUTAGE_MS);
      await redis.start();
      late.kill('SIGSTOP');
      const heldAt = Date.now();
      try {
        await sleep(LATE_MS);
      } finally {
        late.kill('SIGCONT');
        heldMs = Date.now() - heldAt;
      }
    });
    console.log(`the late replica was held ${heldMs} ms`);
    await expectStoredOnce(r.samples);
    expect(heldMs).toBeLessThan(LEASE_MS);
    expect(r.handovers).toBe(0);
    expect(r.afterP99).toBeLessThan(LAG_P99_BOUND_S);
  });

  it('hands a paused replica’s partitions over and back once, counting every sample once', async () => {
    const paused = replicas[1].process;
    const r = await measure('pause past the lease', async () => {
      paused.kill('SIGSTOP');
      await sleep(PAUSE_MS);
      paused.kill('SIGCONT');
    });
    await expectStoredOnce(r.samples);
    // At most its eight to the other replica and back, once each: no partition goes to and fro.
    // Its lag is printed, not bounded: it was 4 s in some runs and 50-125 s in most, with both
    // replicas' ingest stopped for a while after the hand-overs, for a cause not yet found
    // (bench/README.md, soak).
    expect(r.handovers).toBeLessThanOrEqual(PARTITIONS);
  });
});

function pct(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function metricValue(page: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(page);
  return m ? Number(m[1]) : 0;
}

/** The lag histogram's cumulative counts by upper bound. */
function lagBuckets(page: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of page.matchAll(/^vigil_metrics_ingest_lag_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\S+)$/gm))
    out.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  return out;
}

/** p99 of the observations between two scrapes of every replica, interpolated as Prometheus does. */
function histogramP99(before: Map<number, number>[], after: Map<number, number>[]): number | undefined {
  const total = new Map<number, number>();
  after.forEach((h, i) => {
    for (const [le, n] of h) total.set(le, (total.get(le) ?? 0) + n - (before[i]?.get(le) ?? 0));
  });
  const buckets = [...total].sort((a, b) => a[0] - b[0]);
  const count = buckets.at(-1)?.[1] ?? 0;
  if (count <= 0) return undefined;
  const rank = 0.99 * count;
  let prevLe = 0;
  let prevN = 0;
  for (const [le, n] of buckets) {
    if (n >= rank) {
      if (le === Infinity) return prevLe;
      return n === prevN ? le : prevLe + ((le - prevLe) * (rank - prevN)) / (n - prevN);
    }
    prevLe = le;
    prevN = n;
  }
  return prevLe;
}
