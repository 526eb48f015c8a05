import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type ServiceProcess, sleep } from '@vigil/test-support';
import { Client } from 'pg';
import { TestPlatform } from './platform';

jest.setTimeout(180_000);

const NODE = 'e2e-iso-node';
const WIDE_SERIES = 200;
const TOO_LARGE = /^result too large — narrow the query or raise the step \(about \d+ bytes, at most \d+\)$/;

/** The ingest lag histogram of one metrics-svc (its /metrics): count, sum, and buckets by `le`. */
async function lagHistogram(port: number): Promise<{ count: number; sum: number; buckets: Map<string, number> }> {
  const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (re: RegExp) => Number(re.exec(page)?.[1] ?? 0);
  const buckets = new Map<string, number>();
  for (const m of page.matchAll(/^vigil_metrics_ingest_lag_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\S+)$/gm))
    buckets.set(m[1], Number(m[2]));
  return {
    count: value(/^vigil_metrics_ingest_lag_seconds_count(?:\{[^}]*\})? (\S+)$/m),
    sum: value(/^vigil_metrics_ingest_lag_seconds_sum(?:\{[^}]*\})? (\S+)$/m),
    buckets,
  };
}

/** Mean and the p99 upper bucket bound of the batches between two readings of the histogram. */
function lagBetween(a: Awaited<ReturnType<typeof lagHistogram>>, b: Awaited<ReturnType<typeof lagHistogram>>) {
  const count = b.count - a.count;
  let p99 = Infinity;
  for (const [le, n] of b.buckets) {
    if (le === '+Inf') continue;
    if (n - (a.buckets.get(le) ?? 0) >= 0.99 * count) p99 = Math.min(p99, Number(le));
  }
  return { batches: count, meanSeconds: count ? (b.sum - a.sum) / count : NaN, p99Seconds: p99 };
}

/**
 * Reads kept apart from writes, end to end on real processes: a range query whose reply would
 * be ~2 MB (inside the series and points limits) is refused with 422 and metrics-svc keeps
 * running and ingesting a live agent; a read stuck behind a lock is cancelled by the query
 * pool's statement_timeout while flushes go on; a flood beyond the query cap is answered 503
 * with Retry-After and the ingest lag is measured before and during it.
 */
describe('metrics-svc: replies that fit, reads isolated from ingest', () => {
  // registry-svc answers qry.registry.* through the same platform: one query at a time, 1 s statement timeout.
  const platform = new TestPlatform({ VIGIL_QUERY_CONCURRENCY: '1', VIGIL_QUERY_STATEMENT_TIMEOUT_MS: '1000' });
  let metrics: { process: ServiceProcess; port: number };
  let pg: Client;
  let agentSeries: number[] = [];

  const get = (path: string) => platform.gatewayFetch(path);
  /** The newest flushed 10 s bucket of the agent's series, and its newest live value (the flush path, not a query). */
  const flushedThrough = async () =>
    Number(
      (
        await pg.query<{ b: number | null }>(
          `SELECT (extract(epoch FROM max(bucket)) * 1000)::float8 AS b FROM metrics.rollup_10s WHERE series_id = ANY($1)`,
          [agentSeries],
        )
      ).rows[0].b ?? 0,
    );
  const liveSampleAt = async () => {
    const r = await get(`/api/v1/metrics/latest?metric=node_cpu_usage_percent&node=${NODE}&match[]=cpu%3D%22%22`);
    if (r.status !== 200) return 0;
    return ((await r.json()) as { items: { timestamp: number }[] }).items[0]?.timestamp ?? 0;
  };

  beforeAll(async () => {
    await platform.setup();
    await Promise.all([
      platform.startRegistry(),
      platform.startGateway({ VIGIL_RATE_LIMIT_PER_IP: '1000000', VIGIL_RATE_LIMIT_PER_PRINCIPAL: '1000000' }),
      (async () => {
        metrics = await platform.startMetrics({
          VIGIL_QUERY_CONCURRENCY: '2',
          VIGIL_QUERY_RETRY_AFTER_S: '1',
          VIGIL_QUERY_STATEMENT_TIMEOUT_MS: '1500',
          VIGIL_QUERY_DB_POOL: '4',
        });
      })(),
    ]);
    pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
    platform.startAgent(mkdtempSync(join(tmpdir(), 'vigil-agent-')), {
      VIGIL_AGENT_NODE_ID: NODE,
      VIGIL_AGENT_LABELS: 'rack=e2e-iso',
    });
    await eventually(async () => (await liveSampleAt()) > Date.now() - 5000, {
      timeoutMs: 60_000,
      what: 'the agent’s samples at the gateway',
    });
    agentSeries = (await pg.query<{ id: number }>(`SELECT id FROM metrics.series WHERE node_id = $1`, [NODE])).rows.map(
      (r) => r.id,
    );

    // 200 series with a 10 s bucket each for the last hour: a 10 s range over them is 72,000
    // points (inside VIGIL_METRICS_MAX_POINTS and _MAX_SERIES) and ~2 MB of JSON.
    const ids = (
      await pg.query<{ id: number }>(
        `INSERT INTO metrics.series (node_id, metric, labels, labels_key)
         SELECT 'wide-' || g, 'e2e_wide', '{"mount":"/"}', '{"mount":"/"}' FROM generate_series(1, $1) g RETURNING id`,
        [WIDE_SERIES],
      )
    ).rows.map((r) => r.id);
    await pg.query(
      `INSERT INTO metrics.rollup_10s (series_id, bucket, min, max, sum, count, last, last_at)
       SELECT id, b, v, v, v, 1, v, b
         FROM unnest($1::int[]) id,
              generate_series(date_bin('10 seconds', now() - interval '1 hour', 'epoch'), now() - interval '20 seconds', interval '10 seconds') b,
              LATERAL (SELECT 12.345678 + id + extract(epoch FROM b)::int % 97 AS v) x`,
      [ids],
    );
  });
  afterAll(async () => {
    await pg?.end();
    await platform.teardown();
  });

  it('answers 422 "result too large" for a ~2 MB range, and keeps running and ingesting', async () => {
    const asked = Date.now();
    const rest = await get('/api/v1/metrics/query_range?metric=e2e_wide&start=now-1h&step=10s');
    expect(rest.status).toBe(422);
    const problem = (await rest.json()) as { detail: string; errors: { series: number; replyBytes: number } };
    expect(problem.detail).toMatch(TOO_LARGE);
    expect(problem.errors).toMatchObject({ series: WIDE_SERIES });
    expect(problem.errors.replyBytes).toBeGreaterThan(1024 * 1024);

    const end = Math.floor(Date.now() / 1000);
    const prom = await get(
      `/api/v1/query_range?${new URLSearchParams({ query: 'e2e_wide', start: String(end - 3600), end: String(end), step: '10' })}`,
    );
    expect(prom.status).toBe(422);
    expect(await prom.json()).toEqual({
      status: 'error',
      errorType: 'execution',
      error: expect.stringMatching(TOO_LARGE),
    });

    // Narrowed (the last 10 minutes), the same series are answered.
    const narrow = await get('/api/v1/metrics/query_range?metric=e2e_wide&start=now-10m&step=10s');
    expect(narrow.status).toBe(200);
    expect(((await narrow.json()) as { series: unknown[] }).series).toHaveLength(WIDE_SERIES);

    // Still the same process, still ingesting: the agent's newest sample is younger than the query.
    expect(metrics.process.running()).toBe(true);
    await eventually(async () => (await liveSampleAt()) > asked + 1000, {
      timeoutMs: 15_000,
      what: 'a sample of the agent newer than the refused query',
    });
    expect(
      metrics.process.lines.some((l) => /"level":"(fatal|error)"/.test(l) && /max_payload|unhandled/.test(l)),
    ).toBe(false);
  });

  it('cancels a read stuck behind a lock at the statement timeout (503) while flushes go on', async () => {
    const locker = new Client({ connectionString: platform.db.url });
    await locker.connect();
    try {
      // metrics.nodes is read by node-label selections and written only by the node projection, never by ingest.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE metrics.nodes IN ACCESS EXCLUSIVE MODE');
      const flushedBefore = await flushedThrough();
      const started = Date.now();
      const r = await get(
        `/api/v1/metrics/query_range?metric=node_cpu_usage_percent&node_label=rack%3De2e-iso&start=now-5m&step=10s`,
      );
      const took = Date.now() - started;
      expect(r.status).toBe(503);
      const problem = (await r.json()) as { detail: string };
      expect(problem.detail).toMatch(/cancelled after the statement timeout of 1500 ms/);
      expect(took).toBeGreaterThanOrEqual(1400);
      expect(took).toBeLessThan(5000);
      // The lock is still held; the ingest pool flushes new 10 s buckets all the same.
      await eventually(async () => (await flushedThrough()) > flushedBefore, {
        timeoutMs: 25_000,
        what: 'a new 10 s bucket of the agent flushed while the reader is blocked',
      });
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    const after = await get(
      `/api/v1/metrics/query_range?metric=node_cpu_usage_percent&node_label=rack%3De2e-iso&start=now-5m&step=10s`,
    );
    expect(after.status).toBe(200);
  });

  it('answers a flood beyond the query cap with 503 + Retry-After, and the ingest lag stays where it was', async () => {
    const WAVES = 8;
    const CONCURRENT = 30;
    const baselineStart = await lagHistogram(metrics.port);
    await sleep(WAVES * 1000);
    const baselineEnd = await lagHistogram(metrics.port);

    const statuses = new Map<number, number>();
    const retryAfter = new Set<string | null>();
    const answered: number[] = [];
    const floodStart = await lagHistogram(metrics.port);
    for (let w = 0; w < WAVES; w++) {
      const wave = Date.now();
      await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          const r = await get('/api/v1/metrics/query_range?metric=e2e_wide&start=now-10m&step=10s');
          if (r.status === 200) answered.push(((await r.json()) as { series: unknown[] }).series.length);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 503) retryAfter.add(r.headers.get('retry-after'));
          if (r.status !== 200) await r.arrayBuffer();
        }),
      );
      await sleep(Math.max(0, 1000 - (Date.now() - wave)));
    }
    const floodEnd = await lagHistogram(metrics.port);
    const baseline = lagBetween(baselineStart, baselineEnd);
    const flood = lagBetween(floodStart, floodEnd);
    // The figures for the report (README: "Isolation of reads from writes").
    process.stdout.write(
      `${JSON.stringify({ statuses: Object.fromEntries(statuses), retryAfter: [...retryAfter], baseline, flood })}\n`,
    );
    expect([...statuses.keys()].sort()).toEqual([200, 503]);
    expect(statuses.get(503)).toBeGreaterThan(WAVES * CONCURRENT * 0.5);
    expect([...retryAfter]).toEqual(['1']);
    // What was let through was answered in full (200 series of 60 points).
    expect(new Set(answered)).toEqual(new Set([WIDE_SERIES]));
    expect(flood.batches).toBeGreaterThanOrEqual(WAVES - 2);
    // Ingest is not starved: the agent's batches become queryable within a second and a half
    // (baseline and flood share two busy cores with the rest of the machine).
    expect(flood.meanSeconds).toBeLessThan(Math.max(1.5, baseline.meanSeconds * 2));
    expect(metrics.process.running()).toBe(true);
  });

  it('applies the same cap and statement timeout to registry-svc’s queries', async () => {
    const locker = new Client({ connectionString: platform.db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE registry.nodes IN ACCESS EXCLUSIVE MODE');
      // Ten at once: one takes the only slot and waits for the lock until the timeout, the others are busy.
      const answers = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const r = await get('/api/v1/nodes');
          return {
            status: r.status,
            retryAfter: r.headers.get('retry-after'),
            body: (await r.json()) as { detail: string },
          };
        }),
      );
      expect(answers.every((a) => a.status === 503)).toBe(true);
      const cancelled = answers.filter((a) => /cancelled after the statement timeout of 1000 ms/.test(a.body.detail));
      const busy = answers.filter((a) => /^busy: 1 queries are running in this registry service/.test(a.body.detail));
      expect(cancelled.length).toBeGreaterThanOrEqual(1);
      expect(cancelled.length + busy.length).toBe(10);
      expect(busy.every((a) => a.retryAfter === '1')).toBe(true);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    const after = await get('/api/v1/nodes');
    expect(after.status).toBe(200);
    expect(((await after.json()) as { items: { id: string }[] }).items.map((n) => n.id)).toContain(NODE);
  });
});
