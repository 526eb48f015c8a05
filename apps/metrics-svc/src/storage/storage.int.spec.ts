import { createLogger } from '@vigil/telemetry';
import { Database, loadConfig, Observability } from '@vigil/platform';
import { createTestDatabase, type TestDatabase } from '@vigil/test-support';
import { MetricsEnv, retentionOf } from '../config';
import { ingestBatchOf } from '../ingest/batch-decoder';
import { PartitionState } from '../ingest/partition-state';
import { PartitionLostError, RollupWriter } from '../ingest/rollup-writer';
import { resolveSeries } from '../ingest/series-resolver';
import { MetricsInit1764100000000 } from '../migrations/1764100000000-metrics-init';
import { maintainPartitions } from './partitions';
import { TierRollup } from './tier-rollup';

const H = 3600_000;
const DAY = 24 * H;

describe('metrics storage (Postgres)', () => {
  let tdb: TestDatabase;
  let db: Database;
  const config = loadConfig('metrics-svc', 'VIGIL_METRICS_PORT', 0, MetricsEnv, {});
  const retention = retentionOf(config);

  beforeAll(async () => {
    tdb = await createTestDatabase();
    const obs = new Observability('metrics-svc', createLogger({ service: 'metrics-svc', level: 'silent' }));
    db = await Database.connect({ ...config, DATABASE_URL: tdb.url }, obs, { schema: 'metrics', migrations: [MetricsInit1764100000000] });
    await db.query('init', 'INSERT INTO metrics.ingest_partitions (partition) VALUES (0), (1)');
    await db.query('init', 'UPDATE metrics.ingest_partitions SET generation = 1');
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  const partitionsOf = async (table: string) =>
    (
      await db.query<{ name: string }>(
        'test',
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = $1 ORDER BY 1`,
        [table],
      )
    ).map((r) => r.name);

  it('creates partitions from the retention to two ahead, and drops what retention passed', async () => {
    const now = Date.UTC(2026, 10, 22, 12);
    const first = await maintainPartitions(db.dataSource, 'metrics', retention, now);
    expect(await partitionsOf('rollup_10s')).toEqual([
      'rollup_10s_p20261120',
      'rollup_10s_p20261121',
      'rollup_10s_p20261122',
      'rollup_10s_p20261123',
      'rollup_10s_p20261124',
    ]);
    expect((await partitionsOf('rollup_1m')).length).toBe(33);
    expect((await partitionsOf('rollup_1h')).length).toBeGreaterThanOrEqual(14);
    expect(first.dropped).toEqual([]);
    expect((await maintainPartitions(db.dataSource, 'metrics', retention, now)).created).toEqual([]);
    const later = await maintainPartitions(db.dataSource, 'metrics', retention, now + 3 * DAY);
    expect(later.dropped).toEqual(expect.arrayContaining(['rollup_10s_p20261120', 'rollup_10s_p20261121', 'rollup_10s_p20261122']));
    expect(later.created).toEqual(expect.arrayContaining(['rollup_10s_p20261125', 'rollup_10s_p20261126', 'rollup_10s_p20261127']));
    // A write far outside every partition fails loudly rather than landing somewhere wrong.
    await expect(
      db.query('test', `INSERT INTO metrics.rollup_10s VALUES (1, '2001-01-01', 0, 0, 0, 1, 0, '2001-01-01')`),
    ).rejects.toThrow(/no partition/);
  });

  it('merges late samples into every tier that has already rolled their bucket up', async () => {
    const now = Date.now();
    await maintainPartitions(db.dataSource, 'metrics', retention, now);
    const writer = new RollupWriter(db, retention);
    const rollup = new TierRollup(db, 2);
    const base = Math.floor((now - 3 * H) / H) * H; // an hour bucket three hours ago
    const batch = (ts: number, value: number) => ingestBatchOf({ nodeId: 'late-1', seq: 0, timestamp: ts, samples: [{ name: 'm', labels: {}, value }] });
    const flush = async (state: PartitionState) => {
      const plan = state.plan(now, 0, true);
      await resolveSeries(db, plan.rows.map((r) => r.slot));
      await writer.write(0, 1, plan, now);
      state.committed(plan);
      return plan;
    };
    // On time: two samples in the first minute of that hour, one in the second.
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    state.fold(1, batch(base + 1000, 10));
    state.fold(2, batch(base + 15_000, 30));
    state.fold(3, batch(base + 61_000, 5));
    await flush(state);
    // Every partition has written up to now: the coarser tiers can roll up.
    await db.query('test', 'UPDATE metrics.ingest_partitions SET closed_through = now()');
    await rollup.run(1000);
    const m1 = () =>
      db.query<{ b: string; min: number; max: number; sum: number; count: string; last: number }>(
        'test',
        `SELECT (extract(epoch FROM bucket) * 1000)::bigint AS b, min, max, sum, count, last FROM metrics.rollup_1m ORDER BY bucket`,
      );
    expect((await m1()).map((r) => [Number(r.b) - base, r.sum, Number(r.count)])).toEqual([
      [0, 40, 2],
      [60_000, 5, 1],
    ]);
    // Late: a sample for the first minute, after its 1 min and 1 h rollups exist.
    state.fold(4, batch(base + 2000, 100));
    const plan = await flush(state);
    expect(plan.rows).toHaveLength(1);
    const [first] = await m1();
    expect({ min: first.min, max: first.max, sum: first.sum, count: Number(first.count), last: first.last }).toEqual({
      min: 10,
      max: 100,
      sum: 140,
      count: 3,
      last: 30,
    });
    const [hour] = await db.query<{ sum: number; count: string }>(
      'test',
      'SELECT sum, count FROM metrics.rollup_1h WHERE bucket = to_timestamp($1 / 1000.0)',
      [base],
    );
    expect({ sum: hour.sum, count: Number(hour.count) }).toEqual({ sum: 145, count: 4 });
    const [ten] = await db.query<{ sum: number; count: string }>(
      'test',
      'SELECT sum, count FROM metrics.rollup_10s WHERE bucket = to_timestamp($1 / 1000.0)',
      [base],
    );
    expect({ sum: ten.sum, count: Number(ten.count) }).toEqual({ sum: 110, count: 2 });
  });

  it('sends samples older than the 10 s retention straight to the 1 min and 1 h tiers', async () => {
    const now = Date.now();
    const writer = new RollupWriter(db, retention);
    const old = Math.floor((now - 5 * DAY) / H) * H + 7 * 60_000;
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    state.fold(1, ingestBatchOf({ nodeId: 'old-1', seq: 0, timestamp: old, samples: [{ name: 'm', labels: {}, value: 7 }] }));
    const plan = state.plan(now, 0, true);
    await resolveSeries(db, plan.rows.map((r) => r.slot));
    const report = await writer.write(0, 1, plan, now);
    expect(report.rows).toEqual({ '10s': 0, '1m': 1, '1h': 1 });
  });

  it("refuses a write from an owner whose generation is not the partition's", async () => {
    const writer = new RollupWriter(db, retention);
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    await expect(writer.write(1, 0, state.plan(Date.now(), 0, true), Date.now())).rejects.toBeInstanceOf(PartitionLostError);
  });
});
