import { spawnSync } from 'node:child_process';
import {
  decodeJson,
  encodeJson,
  type Inventory,
  labelsKey,
  LimitExceededError,
  metricsQueries,
  type NodeEvent,
  nodeEvents,
  NotFoundError,
  operationSubject,
  RpcReply,
  uuidv7,
  type z,
} from '@vigil/contracts';
import { EventStore } from '@vigil/event-store';
import { requestQuery } from '@vigil/messaging';
import { Bus, Cache, Database, loadConfig, Observability } from '@vigil/platform';
import { createLogger } from '@vigil/telemetry';
import {
  createTestBus,
  createTestDatabase,
  type TestBus,
  type TestDatabase,
  testUrls,
  uniqueId,
} from '@vigil/test-support';
import { MetricsEnv, retentionOf } from '../config';
import { METRICS_MIGRATIONS } from '../migrations';
import { maintainPartitions } from '../storage/partitions';
import { writeLatest } from '../storage/latest.writer';
import { MetricsQueryApi } from './metrics.api';

jest.setTimeout(30_000);

const meta = { correlationId: 'c', causationId: null, actor: 'service:test' };
const M = 60_000;

const inventory = (nodeId: string, hostname: string, labels: Record<string, string>): Inventory => ({
  nodeId,
  collectedAt: new Date().toISOString(),
  hostname,
  os: { platform: 'linux', distro: 'debian', release: '12', kernel: '6.1', arch: 'x64' },
  cpu: { model: 'x', cores: 4, physicalCores: 2 },
  memoryBytes: 1,
  disks: [],
  interfaces: [],
  gpus: [],
  agentVersion: '1',
  labels,
});

/** metrics-svc's query side as it runs: NATS request/reply, Postgres, Redis, the node labels projection. */
describe('MetricsQueryApi over NATS', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let db: Database;
  let bus: Bus;
  let cache: Cache;
  let api: MetricsQueryApi;
  let obs: Observability;
  let store: EventStore<NodeEvent>;
  const now = Math.floor(Date.now() / M) * M;

  const ask = <Req extends z.ZodType, Rep extends z.ZodType>(
    def: { kind: 'qry'; context: string; what: string; request: Req; reply: Rep },
    req: z.input<Req>,
  ) => requestQuery(bus.nc, bus.topology, def, req, 5000);

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    const config = loadConfig('metrics-svc', 'VIGIL_METRICS_PORT', 0, MetricsEnv, {
      NATS_URL: testUrls.nats,
      DATABASE_URL: tdb.url,
      REDIS_URL: testUrls.redis,
      VIGIL_NATS_PREFIX: tbus.topology.prefix,
      VIGIL_PARTITIONS: String(tbus.topology.partitions),
      VIGIL_REDIS_PREFIX: `${uniqueId('vigil-test-')}:`,
      VIGIL_METRICS_MAX_SERIES: '3',
    });
    obs = new Observability('metrics-svc', createLogger({ service: 'metrics-svc', level: 'silent' }));
    db = await Database.connect(config, obs, { schema: 'metrics', migrations: METRICS_MIGRATIONS });
    await maintainPartitions(db.dataSource, 'metrics', retentionOf(config), now);
    bus = await Bus.connect(config, obs);
    cache = Cache.create(config, obs);
    api = new MetricsQueryApi(bus, db, cache, obs, config);
    await api.onApplicationBootstrap();
    store = new EventStore(tbus.js, tbus.jsm, tbus.topology, 'node', nodeEvents);
  });
  afterAll(async () => {
    await api.beforeApplicationShutdown();
    const keys = await cache.redis.keys(`${cache.prefix}*`);
    if (keys.length) await cache.redis.del(...keys);
    await cache.close();
    await bus.close();
    await db.close();
    await tbus.close();
    await tdb.drop();
  });

  async function series(metric: string, nodeId: string, value: number): Promise<number> {
    const [{ id }] = await db.query<{ id: number }>(
      'test',
      'INSERT INTO metrics.series (node_id, metric, labels, labels_key) VALUES ($1, $2, $3, $4) RETURNING id',
      [nodeId, metric, '{}', labelsKey({})],
    );
    await db.query(
      'test',
      `INSERT INTO metrics.rollup_10s (series_id, bucket, min, max, sum, count, last, last_at)
       VALUES ($1, to_timestamp($2 / 1000.0), $3, $3, $3, 1, $3, to_timestamp($2 / 1000.0))`,
      [id, now - 5 * M, value],
    );
    const recent = {
      lastAt: now - 1000,
      last: value,
      bucket: now - 10_000,
      min: value,
      max: value,
      sum: value,
      count: 1,
    };
    await writeLatest(cache, [{ metric, nodeId, slots: [{ id, recent }] }]);
    return id;
  }

  it('selects nodes by the labels of their node events, following label changes', async () => {
    const registered = (nodeId: string, labels: Record<string, string>) =>
      store.append(
        nodeId,
        [{ type: 'node.registered', data: { nodeId, hostname: `${nodeId}.example`, labels, agentVersion: '1' } }],
        0,
        meta,
      );
    await registered('n1', { rack: 'r1', env: 'prod' });
    await registered('n2', { rack: 'r1', env: 'dev' });
    await registered('n3', { rack: 'r2', env: 'prod' });
    // A v1 event from the first releases (no labels) is upcast and projected with none.
    await tbus.js.publish(
      tbus.topology.subjects.events('node', 'n4'),
      encodeJson({
        id: uuidv7(Date.now()),
        type: 'node.registered',
        version: 1,
        subject: 'node.n4',
        occurredAt: new Date().toISOString(),
        data: { nodeId: 'n4', hostname: 'n4.example' },
        meta,
      }),
    );
    const online = await store.append(
      'n1',
      [{ type: 'node.online', data: { nodeId: 'n1', lastSeenAt: new Date().toISOString() } }],
      'any',
      meta,
    );
    await api.nodes.waitFor(online.lastSeq);
    for (const [node, v] of [
      ['n1', 10],
      ['n2', 20],
      ['n3', 30],
      ['n4', 40],
    ] as const) {
      await series('test_cpu', node, v);
    }
    const nodesOf = async (labels: Record<string, string>) =>
      (
        await ask(metricsQueries.range, {
          metric: 'test_cpu',
          nodes: { labels },
          start: now - 10 * M,
          end: now,
          step: M,
        })
      ).series.map((s) => s.labels.node);
    expect(await nodesOf({ rack: 'r1' })).toEqual(['n1', 'n2']);
    expect(await nodesOf({ rack: 'r1', env: 'prod' })).toEqual(['n1']);
    expect(await nodesOf({ env: 'prod' })).toEqual(['n1', 'n3']);
    expect(await nodesOf({ rack: 'r9' })).toEqual([]);
    expect(await db.query('test', `SELECT node_id, hostname, labels FROM metrics.nodes WHERE node_id = 'n4'`)).toEqual([
      { node_id: 'n4', hostname: 'n4.example', labels: {} },
    ]);

    // The agent's labels changed: its next inventory carries them.
    const moved = await store.append(
      'n2',
      [
        {
          type: 'node.inventory_changed',
          data: { nodeId: 'n2', hash: 'h2', inventory: inventory('n2', 'n2-new.example', { rack: 'r2', env: 'dev' }) },
        },
      ],
      'any',
      meta,
    );
    await api.nodes.waitFor(moved.lastSeq);
    expect(await nodesOf({ rack: 'r1' })).toEqual(['n1']);
    expect(await nodesOf({ rack: 'r2' })).toEqual(['n2', 'n3']);

    // The same selector works for topK and latest.
    const top = await ask(metricsQueries.topK, { metric: 'test_cpu', nodes: { labels: { rack: 'r2' } }, k: 1 });
    expect(top.items.map((i) => [i.nodeId, i.value])).toEqual([['n3', 30]]);
    const latest = await ask(metricsQueries.latest, { metric: 'test_cpu', nodes: { labels: { env: 'prod' } } });
    expect(latest.items.map((i) => [i.nodeId, i.value, i.timestamp])).toEqual([
      ['n1', 10, now - 1000],
      ['n3', 30, now - 1000],
    ]);
  });

  it('carries every error type over the wire', async () => {
    await expect(ask(metricsQueries.range, { metric: 'test_nope', start: now - M, end: now, step: M })).rejects.toThrow(
      new NotFoundError('unknown metric test_nope'),
    );
    // VIGIL_METRICS_MAX_SERIES=3 and test_cpu has four series.
    await expect(ask(metricsQueries.latest, { metric: 'test_cpu' })).rejects.toThrow(LimitExceededError);
    await expect(ask(metricsQueries.topK, { metric: 'test_cpu' })).rejects.toThrow(/more than 3 series/);

    // The server validates too (a client that skipped the contract): an inverted range.
    const raw = await bus.nc.request(
      operationSubject(bus.topology, metricsQueries.range),
      encodeJson({ metric: 'test_cpu', start: now, end: now - M, step: M }),
      { timeout: 5000 },
    );
    const reply = decodeJson(RpcReply, raw.data, 'reply');
    expect(reply).toMatchObject({
      ok: false,
      error: { type: 'validation', message: expect.stringMatching(/end: end must be after start/) },
    });
  });

  it('refuses a range whose reply would not fit in a NATS message before reading it; a narrower one is answered', async () => {
    // Two series × 16,920 ten-second points, each up to 41 bytes: ~1.39 MB, over the server's max_payload (1 MiB).
    const wide = {
      metric: 'test_cpu',
      nodes: { labels: { rack: 'r2' } },
      start: now - 47 * 60 * M,
      end: now,
      step: 10_000,
    };
    const max = bus.nc.info!.max_payload;
    const err = await ask(metricsQueries.range, wide).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as Error).message).toMatch(
      /^result too large — narrow the query or raise the step \(about \d+ bytes, at most \d+\)$/,
    );
    expect((err as LimitExceededError).details).toMatchObject({
      series: 2,
      pointsPerSeries: 16_920,
      maxReplyBytes: max - 1024,
      replyBytes: expect.any(Number),
    });
    expect((err as { details: { replyBytes: number } }).details.replyBytes).toBeGreaterThan(max);
    // Raising the step, or summing the two series into one, fits.
    const coarser = await ask(metricsQueries.range, { ...wide, step: 60_000 });
    expect(coarser.series.map((s) => s.labels.node)).toEqual(['n2', 'n3']);
    const summed = await ask(metricsQueries.range, { ...wide, aggregate: { op: 'sum', by: [] } });
    expect(summed.series).toHaveLength(1);
  });

  it('lists label names and values', async () => {
    expect((await ask(metricsQueries.labelValues, { label: 'node', metric: 'test_cpu' })).values).toEqual([
      'n1',
      'n2',
      'n3',
      'n4',
    ]);
    expect((await ask(metricsQueries.labelValues, { label: '__name__' })).values).toEqual(['test_cpu']);
    expect((await ask(metricsQueries.labelNames, {})).names).toEqual(['__name__', 'node']);
  });

  it('counts the top-k range cache on /metrics, in a page promtool accepts', async () => {
    // Every ingest partition has closed through now: the 10 s buckets of the range are closed.
    await db.query(
      'test',
      `INSERT INTO metrics.ingest_partitions (partition, closed_through) SELECT g, now() FROM generate_series(0, $1 - 1) g
       ON CONFLICT (partition) DO UPDATE SET closed_through = excluded.closed_through`,
      [bus.topology.partitions],
    );
    const sample = async () => {
      const page = await obs.registry.metrics();
      // Labels in any order, the service's default label among them.
      const value = (name: string, label = '') =>
        Number(new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} (\\S+)$`, 'm').exec(page)?.[1]);
      return {
        page,
        hit: value('vigil_metrics_topk_cache_buckets_total', 'result="hit"'),
        miss: value('vigil_metrics_topk_cache_buckets_total', 'result="miss"'),
        bytes: value('vigil_metrics_topk_cache_bytes'),
      };
    };
    const before = await sample();
    const request = {
      metric: 'test_cpu',
      nodes: { labels: { rack: 'r2' } },
      range: { start: now - 10 * M, end: now - M },
      k: 2,
    };
    const first = await ask(metricsQueries.topK, request);
    expect(first.items.map((i) => [i.nodeId, i.value])).toEqual([
      ['n3', 30],
      ['n2', 20],
    ]);
    const cold = await sample();
    // Nine minutes of 10 s buckets, each read once from Postgres and kept.
    expect([cold.miss - before.miss, cold.hit - before.hit]).toEqual([54, 0]);
    expect(cold.bytes).toBeGreaterThan(0);
    expect((await ask(metricsQueries.topK, request)).items).toEqual(first.items);
    const warm = await sample();
    expect([warm.miss - cold.miss, warm.hit - cold.hit]).toEqual([0, 54]);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: warm.page, encoding: 'utf8' });
    expect({ status: lint.status, output: `${lint.stdout}${lint.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });
});
