import { type SampleBatch, sampleBatchMessage, TIER_MS } from '@vigil/contracts';
import { eventually, type ServiceProcess, sleep } from '@vigil/test-support';
import { Client } from 'pg';
import { TestPlatform } from './platform';

jest.setTimeout(180_000);

const NODES = 16;
const METRICS = ['cpu', 'mem', 'disk'];

interface Expected {
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  lastAt: number;
}

/** Exact aggregates per (node, metric, bucket) of the samples sent, computed without metrics-svc. */
class Truth {
  readonly tiers = {
    '10s': new Map<string, Expected>(),
    '1m': new Map<string, Expected>(),
    '10m': new Map<string, Expected>(),
  };
  samples = 0;

  add(batch: SampleBatch): void {
    for (const tier of ['10s', '1m', '10m'] as const) {
      const size = TIER_MS[tier];
      const bucket = Math.floor(batch.timestamp / size) * size;
      for (const s of batch.samples) {
        const key = `${batch.nodeId}|${s.name}|${bucket}`;
        const e = this.tiers[tier].get(key);
        if (!e)
          this.tiers[tier].set(key, {
            min: s.value,
            max: s.value,
            sum: s.value,
            count: 1,
            last: s.value,
            lastAt: batch.timestamp,
          });
        else {
          e.min = Math.min(e.min, s.value);
          e.max = Math.max(e.max, s.value);
          e.sum += s.value;
          e.count++;
          if (batch.timestamp > e.lastAt) {
            e.last = s.value;
            e.lastAt = batch.timestamp;
          }
        }
      }
    }
    this.samples += batch.samples.length;
  }
}

/**
 * Rollups must equal the exact aggregates of what was sent, whatever metrics-svc went
 * through: killed with SIGKILL at random moments, or one of two replicas killed.
 */
describe('metrics-svc exactly-once rollups', () => {
  const env = {
    VIGIL_METRICS_FLUSH_MS: '200',
    VIGIL_METRICS_GRACE_MS: '300',
    VIGIL_METRICS_ROLLUP_MS: '300',
    VIGIL_METRICS_LEASE_MS: '1500',
    LOG_LEVEL: 'warn',
  };
  let platform: TestPlatform;
  let pg: Client;

  beforeEach(async () => {
    platform = await new TestPlatform().setup();
    pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
  });
  afterEach(async () => {
    await pg.end();
    await platform.teardown();
  });

  /**
   * Publishes batches until stopped: half the nodes send current samples, a quarter samples
   * from 2 to 6 minutes ago and a quarter from 12 to 30 minutes ago (late, in random order,
   * into 1 min and 10 min buckets already rolled up), all with integer values so sums are exact.
   */
  function publish(truth: Truth, shouldStop: () => boolean): Promise<void> {
    const { js, topology } = platform.bus;
    const seqs = new Array<number>(NODES).fill(0);
    const usedTs = Array.from({ length: NODES }, () => new Set<number>());
    let rnd = 12345;
    const next = () => (rnd = (rnd * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    return (async () => {
      while (!shouldStop()) {
        const pending: Promise<unknown>[] = [];
        for (let n = 0; n < NODES; n++) {
          const lateBy =
            n % 4 === 1 ? 120_000 + Math.floor(next() * 240_000) : 720_000 + Math.floor(next() * 1_080_000);
          let ts = n % 2 === 0 ? Date.now() : Date.now() - lateBy;
          while (usedTs[n].has(ts)) ts++;
          usedTs[n].add(ts);
          const batch: SampleBatch = {
            nodeId: `xo-${n}`,
            seq: ++seqs[n],
            timestamp: ts,
            intervalMs: 1000,
            samples: METRICS.map((name) => ({
              name,
              labels: (name === 'disk' ? { mount: '/' } : {}) as Record<string, string>,
              value: Math.floor(next() * 1000),
            })),
          };
          const m = sampleBatchMessage(topology, batch);
          truth.add(batch);
          pending.push(js.publish(m.subject, m.data, { msgID: m.msgId }));
        }
        await Promise.all(pending);
        await sleep(20);
      }
    })();
  }

  async function stored(
    table: 'rollup_10s' | 'rollup_1m' | 'rollup_10m',
    before?: number,
  ): Promise<Map<string, Expected>> {
    const { rows } = await pg.query(
      `SELECT s.node_id, s.metric, (extract(epoch FROM r.bucket) * 1000)::bigint AS b, r.min, r.max, r.sum, r.count, r.last,
              (extract(epoch FROM r.last_at) * 1000)::bigint AS last_at
         FROM metrics.${table} r JOIN metrics.series s ON s.id = r.series_id
        WHERE $1::bigint IS NULL OR r.bucket < to_timestamp($1::bigint / 1000.0)`,
      [before ?? null],
    );
    return new Map(
      rows.map((r) => [
        `${r.node_id}|${r.metric}|${r.b}`,
        { min: r.min, max: r.max, sum: r.sum, count: Number(r.count), last: r.last, lastAt: Number(r.last_at) },
      ]),
    );
  }

  async function expectExact(truth: Truth): Promise<void> {
    await eventually(
      async () => {
        const { rows } = await pg.query('SELECT coalesce(sum(count), 0)::bigint AS n FROM metrics.rollup_10s');
        const n = Number(rows[0].n);
        if (n > truth.samples) throw new Error(`rollups count ${n} samples, only ${truth.samples} were sent`);
        return n === truth.samples;
      },
      { timeoutMs: 30_000, what: 'every sample in the 10 s tier' },
    );
    const got10 = await stored('rollup_10s');
    expect(got10.size).toBe(truth.tiers['10s'].size);
    for (const [key, want] of truth.tiers['10s']) expect({ key, ...got10.get(key) }).toEqual({ key, ...want });

    // The 1 min and 10 min tiers, for every bucket their rollup has passed (late ones included).
    for (const tier of ['1m', '10m'] as const) {
      const { rows } = await pg.query(
        `SELECT (extract(epoch FROM through) * 1000)::bigint AS t FROM metrics.rollup_watermarks WHERE tier = $1`,
        [tier],
      );
      const through = Number(rows[0].t);
      const got = await stored(`rollup_${tier}`, through);
      const wanted = [...truth.tiers[tier]].filter(([key]) => Number(key.split('|')[2]) < through);
      // 1 min: late minutes of every late node; 10 min: at least one bucket 12 to 30 min back per far-late node.
      expect(wanted.length).toBeGreaterThanOrEqual(tier === '1m' ? NODES : (NODES / 4) * METRICS.length);
      expect(got.size).toBe(wanted.length);
      for (const [key, want] of wanted) expect({ tier, key, ...got.get(key) }).toEqual({ tier, key, ...want });
    }
  }

  it('counts every sample once when metrics-svc is killed with SIGKILL at random moments', async () => {
    const truth = new Truth();
    let stop = false;
    let svc: ServiceProcess = (await platform.startMetrics(env)).process;
    const flow = publish(truth, () => stop);
    for (let round = 0; round < 4; round++) {
      await sleep(700 + Math.floor(Math.random() * 1500));
      svc.kill('SIGKILL');
      await svc.waitExit();
      svc = (await platform.startMetrics(env)).process;
    }
    await sleep(1500);
    stop = true;
    await flow;
    expect(truth.samples).toBeGreaterThan(5000);
    await expectExact(truth);
  });

  it('counts every sample once when one of two replicas is killed', async () => {
    const truth = new Truth();
    let stop = false;
    const a = (await platform.startMetrics(env)).process;
    const b = await platform.startMetrics(env);
    const flow = publish(truth, () => stop);
    await sleep(3000);
    a.kill('SIGKILL');
    await a.waitExit();
    await sleep(3000);
    stop = true;
    await flow;
    await expectExact(truth);
    // The survivor took over every partition.
    const page = await (await fetch(`http://127.0.0.1:${b.port}/metrics`)).text();
    expect(page).toMatch(
      new RegExp(`^vigil_metrics_ingest_partitions_owned(\\{[^}]*\\})? ${platform.bus.topology.partitions}$`, 'm'),
    );
  });
});
