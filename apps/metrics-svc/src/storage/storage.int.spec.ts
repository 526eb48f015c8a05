import { createLogger } from '@vigil/telemetry';
import { Database, loadConfig, Observability } from '@vigil/platform';
import { createTestDatabase, type TestDatabase } from '@vigil/test-support';
import { MetricsEnv, retentionOf } from '../config';
import { ingestBatchOf } from '../ingest/batch-decoder';
import { PartitionState } from '../ingest/partition-state';
import { PartitionLostError, PartitionPositions } from '../ingest/partition-positions';
import { RollupWriter } from '../ingest/rollup-writer';
import { ensureSeriesIds } from '../ingest/series-ids';
import { METRICS_MIGRATIONS } from '../migrations';
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
    db = await Database.connect({ ...config, DATABASE_URL: tdb.url }, obs, {
      schema: 'metrics',
      migrations: METRICS_MIGRATIONS,
    });
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

  /** No rollups and every watermark at the epoch, as in a fresh deployment (tests share the database). */
  const reset = () =>
    db.query(
      'test',
      `TRUNCATE metrics.rollup_10s, metrics.rollup_1m, metrics.rollup_10m, metrics.rollup_1h, metrics.ingest_flushed;
       UPDATE metrics.rollup_watermarks SET through = 'epoch'`,
    );

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
    // 10 min: 90 days back to two weeks ahead, in weeks aligned to the epoch (they start on Thursdays).
    const tenMinutes = await partitionsOf('rollup_10m');
    expect([tenMinutes.length, tenMinutes[0], tenMinutes.at(-1)]).toEqual([
      16,
      'rollup_10m_p20260820',
      'rollup_10m_p20261203',
    ]);
    expect((await partitionsOf('rollup_1h')).length).toBeGreaterThanOrEqual(14);
    expect(first.dropped).toEqual([]);
    expect((await maintainPartitions(db.dataSource, 'metrics', retention, now)).created).toEqual([]);
    const later = await maintainPartitions(db.dataSource, 'metrics', retention, now + 3 * DAY);
    expect(later.dropped).toEqual(
      expect.arrayContaining(['rollup_10s_p20261120', 'rollup_10s_p20261121', 'rollup_10s_p20261122']),
    );
    expect(later.created).toEqual(
      expect.arrayContaining(['rollup_10s_p20261125', 'rollup_10s_p20261126', 'rollup_10s_p20261127']),
    );
    // The oldest week of the 10 min tier ended on 2026-08-27, 90 days before 2026-11-25.
    expect(later.dropped.filter((n) => n.startsWith('rollup_10m'))).toEqual(['rollup_10m_p20260820']);
    const custom = await maintainPartitions(db.dataSource, 'metrics', { ...retention, '10m': 30 * DAY }, now + 3 * DAY);
    expect(custom.dropped.filter((n) => n.startsWith('rollup_10m'))).toHaveLength(8);
    // A write far outside every partition fails loudly rather than landing somewhere wrong.
    await expect(
      db.query('test', `INSERT INTO metrics.rollup_10s VALUES (1, '2001-01-01', 0, 0, 0, 1, 0, '2001-01-01')`),
    ).rejects.toThrow(/no partition/);
  });

  it('merges late samples into every tier that has already rolled their bucket up', async () => {
    const now = Date.now();
    await maintainPartitions(db.dataSource, 'metrics', retention, now);
    await reset();
    const writer = new RollupWriter(db, new PartitionPositions(db), retention);
    const rollup = new TierRollup(db, 2);
    const base = Math.floor((now - 3 * H) / H) * H; // an hour bucket three hours ago
    const batch = (ts: number, value: number) =>
      ingestBatchOf({ nodeId: 'late-1', seq: 0, timestamp: ts, samples: [{ name: 'm', labels: {}, value }] });
    const flush = async (state: PartitionState) => {
      const plan = state.plan(now, 0, true);
      await ensureSeriesIds(
        db,
        plan.rows.map((r) => r.slot),
      );
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
    // On time: no closed bucket changed, so readers' cached buckets stand.
    const lateWrites = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            'test',
            'SELECT late_writes AS n FROM metrics.ingest_partitions WHERE partition = 0',
          )
        )[0].n,
      );
    expect(await lateWrites()).toBe(0);
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
    // Recorded as a late write, in the same transaction: the top-k cache drops what it holds.
    expect(await lateWrites()).toBe(1);
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
    const [tenMinutes] = await db.query<{ max: number; sum: number; count: string }>(
      'test',
      'SELECT max, sum, count FROM metrics.rollup_10m WHERE bucket = to_timestamp($1 / 1000.0)',
      [base],
    );
    expect({ max: tenMinutes.max, sum: tenMinutes.sum, count: Number(tenMinutes.count) }).toEqual({
      max: 100,
      sum: 145,
      count: 4,
    });
    const [ten] = await db.query<{ sum: number; count: string }>(
      'test',
      'SELECT sum, count FROM metrics.rollup_10s WHERE bucket = to_timestamp($1 / 1000.0)',
      [base],
    );
    expect({ sum: ten.sum, count: Number(ten.count) }).toEqual({ sum: 110, count: 2 });
  });

  it('rolls the 10 min tier up from the 1 min one under its own watermark: a late sample counts once either way', async () => {
    const now = Date.now();
    await maintainPartitions(db.dataSource, 'metrics', retention, now);
    await reset();
    const writer = new RollupWriter(db, new PartitionPositions(db), retention);
    const rollup = new TierRollup(db, 2);
    const base = Math.floor((now - 2 * H) / (10 * 60_000)) * 10 * 60_000; // a 10 min bucket two hours ago
    const batch = (ts: number, value: number) =>
      ingestBatchOf({ nodeId: 'late-10m', seq: 0, timestamp: ts, samples: [{ name: 'm10', labels: {}, value }] });
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    const flush = async () => {
      const plan = state.plan(now, 0, true);
      await ensureSeriesIds(
        db,
        plan.rows.map((r) => r.slot),
      );
      await writer.write(0, 1, plan, now);
      state.committed(plan);
      return plan;
    };
    const tenMinute = async () => {
      const rows = await db.query<{ b: string; min: number; max: number; sum: number; count: string; last: number }>(
        'test',
        `SELECT (extract(epoch FROM r.bucket) * 1000)::bigint AS b, r.min, r.max, r.sum, r.count, r.last
           FROM metrics.rollup_10m r JOIN metrics.series s ON s.id = r.series_id WHERE s.node_id = 'late-10m' ORDER BY r.bucket`,
      );
      return rows.map((r) => [Number(r.b) - base, r.min, r.max, r.sum, Number(r.count), r.last]);
    };
    const mark = async (tier: string) => {
      const [m] = await db.query<{ t: string }>(
        'test',
        'SELECT (extract(epoch FROM through) * 1000)::bigint AS t FROM metrics.rollup_watermarks WHERE tier = $1',
        [tier],
      );
      return Number(m.t);
    };
    // Minutes 0 and 9 of the bucket, and minute 0 of the next one.
    state.fold(1, batch(base + 1000, 10));
    state.fold(2, batch(base + 9 * 60_000 + 5000, 20));
    state.fold(3, batch(base + 10 * 60_000 + 1000, 40));
    await flush();
    await db.query('test', 'UPDATE metrics.ingest_partitions SET closed_through = now()');
    // Only the 1 min tier moves: the 10 min tier has not rolled these buckets up yet.
    await rollup.runTier('1m', 1000);
    expect(await mark('1m')).toBeGreaterThan(base + 20 * 60_000);
    expect(await mark('10m')).toBeLessThanOrEqual(base);
    // Late, before the 10 min rollup: merged into the 10 s and 1 min rows only, rolled up by it.
    state.fold(4, batch(base + 5 * 60_000, 70));
    expect((await flush()).rows).toHaveLength(1);
    expect(await tenMinute()).toEqual([]);
    await rollup.runTier('10m', 1000);
    expect(await mark('10m')).toBe(Math.floor((await mark('1m')) / (10 * 60_000)) * 10 * 60_000);
    expect(await tenMinute()).toEqual([
      [0, 10, 70, 100, 3, 20],
      [600_000, 40, 40, 40, 1, 40],
    ]);
    // Late, after it: the ingest merges the delta into the 10 min row itself.
    state.fold(5, batch(base + 9 * 60_000 + 9000, 5));
    await flush();
    expect(await tenMinute()).toEqual([
      [0, 5, 70, 105, 4, 5],
      [600_000, 40, 40, 40, 1, 40],
    ]);
    // And a rollup run after that changes nothing: every 10 min row is its 1 min rows' aggregate.
    await rollup.run(1000);
    const [check] = await db.query<{ n: string }>(
      'test',
      `SELECT count(*) AS n FROM metrics.rollup_10m t
         JOIN (SELECT series_id, date_bin('10 minutes', bucket, 'epoch') AS b, min(min) AS mn, max(max) AS mx, sum(sum) AS sm, sum(count) AS c
                 FROM metrics.rollup_1m GROUP BY 1, 2) m ON m.series_id = t.series_id AND m.b = t.bucket
        WHERE t.min = m.mn AND t.max = m.mx AND t.sum = m.sm AND t.count = m.c`,
    );
    const [all] = await db.query<{ n: string }>('test', 'SELECT count(*) AS n FROM metrics.rollup_10m');
    expect(Number(check.n)).toBe(Number(all.n));
    expect(Number(all.n)).toBe(2);
  });

  it('sends samples older than a tier keeps straight to the coarser tiers', async () => {
    const now = Date.now();
    await reset();
    const writer = new RollupWriter(db, new PartitionPositions(db), retention);
    const old = Math.floor((now - 5 * DAY) / H) * H + 7 * 60_000;
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    state.fold(
      1,
      ingestBatchOf({ nodeId: 'old-1', seq: 0, timestamp: old, samples: [{ name: 'm', labels: {}, value: 7 }] }),
    );
    const plan = state.plan(now, 0, true);
    await ensureSeriesIds(
      db,
      plan.rows.map((r) => r.slot),
    );
    const report = await writer.write(0, 1, plan, now);
    // The 10 min and 1 h tiers have not rolled that bucket up: only the 1 min tier gets it.
    expect(report.rows).toEqual({ '10s': 0, '1m': 1, '10m': 0, '1h': 0 });

    // Older than the 1 min tier keeps (40 days): the 10 min and 1 h tiers, whatever their watermarks.
    const older = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    older.fold(
      2,
      ingestBatchOf({
        nodeId: 'old-1',
        seq: 1,
        timestamp: now - 40 * DAY,
        samples: [{ name: 'm', labels: {}, value: 7 }],
      }),
    );
    older.fold(
      3,
      ingestBatchOf({
        nodeId: 'old-2',
        seq: 1,
        timestamp: now - 100 * DAY,
        samples: [{ name: 'm', labels: {}, value: 8 }],
      }),
    );
    const olderPlan = older.plan(now, 0, true);
    await ensureSeriesIds(
      db,
      olderPlan.rows.map((r) => r.slot),
    );
    // Older than the 10 min tier keeps (100 days): the 1 h tier only.
    expect((await writer.write(0, 1, olderPlan, now)).rows).toEqual({ '10s': 0, '1m': 0, '10m': 1, '1h': 2 });
  });

  it('records a late write when only a coarse tier changes, or when the closed frontier moves back', async () => {
    const now = Date.now();
    await reset();
    const writer = new RollupWriter(db, new PartitionPositions(db), retention);
    const lateWrites = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            'test',
            'SELECT late_writes AS n FROM metrics.ingest_partitions WHERE partition = 1',
          )
        )[0].n,
      );
    // A partition that never closed anything: no row of the write is behind its frontier.
    await db.query(
      'test',
      `UPDATE metrics.ingest_partitions SET closed_through = 'epoch', late_writes = 0 WHERE partition = 1`,
    );
    const old = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    old.fold(
      1,
      ingestBatchOf({
        nodeId: 'coarse-only',
        seq: 0,
        timestamp: now - 40 * DAY,
        samples: [{ name: 'm', labels: {}, value: 3 }],
      }),
    );
    const plan = old.plan(now, 0, true);
    await ensureSeriesIds(
      db,
      plan.rows.map((r) => r.slot),
    );
    const oldBucket = plan.rows[0].agg.bucket;
    // The flush closes through now; fence the frontier to just before the row so that only the
    // coarse-tier delta (10 min and 1 h; the 10 s and 1 min tiers no longer keep it) can count.
    const report = await writer.write(1, 1, { ...plan, closedThrough: oldBucket }, now);
    expect(report.rows).toEqual({ '10s': 0, '1m': 0, '10m': 1, '1h': 1 });
    expect(await lateWrites()).toBe(1);
    // An empty flush that keeps the frontier where it is: nothing changed for a reader.
    const idle = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    await writer.write(1, 1, { ...idle.plan(now, 0, true), closedThrough: oldBucket }, now);
    expect(await lateWrites()).toBe(1);
    // A replaying owner whose frontier is behind the stored one: buckets a reader took as closed
    // may be written again, so this counts too, even with no row.
    await writer.write(1, 1, { ...idle.plan(now, 0, true), closedThrough: oldBucket - 10_000 }, now);
    expect(await lateWrites()).toBe(2);
    // Moving forward again does not.
    await writer.write(1, 1, { ...idle.plan(now, 0, true), closedThrough: now - 60_000 }, now);
    expect(await lateWrites()).toBe(2);
  });

  it("refuses a write from an owner whose generation is not the partition's", async () => {
    const writer = new RollupWriter(db, new PartitionPositions(db), retention);
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    await expect(writer.write(1, 0, state.plan(Date.now(), 0, true), Date.now())).rejects.toBeInstanceOf(
      PartitionLostError,
    );
  });
  it('takes a partition over only from an owner that gave it up or stopped writing it', async () => {
    const positions = new PartitionPositions(db);
    const age = (ms: number) =>
      db.query(
        'test',
        "UPDATE metrics.ingest_partitions SET updated_at = now() - $1 * interval '1 millisecond' WHERE partition = 1",
        [ms],
      );
    await db.query('test', 'UPDATE metrics.ingest_partitions SET owner = NULL WHERE partition = 1');
    const a = await positions.acquire(1, 'replica-a', 60_000);
    expect(a).toBeDefined();
    // Replica a writes it: b may not take it (its Redis lease may have gone with a restart); a takes it again.
    expect(await positions.acquire(1, 'replica-b', 60_000)).toBeUndefined();
    expect(await positions.acquire(1, 'replica-a', 60_000)).toBe(a! + 1);
    // a last wrote it longer ago than the lease: b takes it, and fences a.
    await age(61_000);
    expect(await positions.acquire(1, 'replica-b', 60_000)).toBe(a! + 2);
    // b gives it up after its last flush: a takes it at once; a fenced generation's give-up changes nothing.
    await positions.disown(1, a!);
    expect(await positions.acquire(1, 'replica-a', 60_000)).toBeUndefined();
    await positions.disown(1, a! + 2);
    expect(await positions.acquire(1, 'replica-a', 60_000)).toBe(a! + 3);
  });
});
