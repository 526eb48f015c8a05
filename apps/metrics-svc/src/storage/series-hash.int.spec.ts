import { createHash, randomBytes } from 'node:crypto';
import { labelsKey } from '@vigil/contracts';
import { createLogger } from '@vigil/telemetry';
import { Database, loadConfig, Observability } from '@vigil/platform';
import { createTestDatabase, type TestDatabase } from '@vigil/test-support';
import { MetricsEnv } from '../config';
import { ingestBatchOf } from '../ingest/batch-decoder';
import { PartitionState } from '../ingest/partition-state';
import { ensureSeriesIds } from '../ingest/series-ids';
import { METRICS_MIGRATIONS } from '../migrations';

const sha256 = (metric: string, nodeId: string, key: string) =>
  createHash('sha256').update(`${metric}\n${nodeId}\n${key}`, 'utf8').digest();

/** The series identity by hash (migration 1764600000000): backfill of existing rows, and series too long for a btree. */
describe('metrics.series keyed by the hash of the series', () => {
  let tdb: TestDatabase;
  let db: Database;
  const config = loadConfig('metrics-svc', 'VIGIL_METRICS_PORT', 0, MetricsEnv, {});
  const obs = new Observability('metrics-svc', createLogger({ service: 'metrics-svc', level: 'silent' }));
  const connect = (migrations: typeof METRICS_MIGRATIONS) =>
    Database.connect({ ...config, DATABASE_URL: tdb.url }, obs, { schema: 'metrics', migrations });

  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
    await tdb.drop();
  });

  it('backfills the hash of existing series, keeps their ids, and stores series a btree could not hold', async () => {
    // A deployment before the migration, with series stored the old way.
    const before = await connect(METRICS_MIGRATIONS.slice(0, -1));
    const old: { nodeId: string; metric: string; labels: Record<string, string> }[] = [
      { nodeId: 'n1', metric: 'node_load1', labels: {} },
      { nodeId: 'n1', metric: 'node_cpu_usage_percent', labels: { cpu: '0' } },
      { nodeId: 'n2', metric: 'node_filesystem_used_ratio', labels: { mount: '/', device: 'sda1 é' } },
    ];
    const oldIds: number[] = [];
    for (const s of old) {
      const [row] = await before.query<{ id: number }>(
        'test',
        'INSERT INTO metrics.series (node_id, metric, labels, labels_key) VALUES ($1, $2, $3, $4) RETURNING id',
        [s.nodeId, s.metric, JSON.stringify(s.labels), labelsKey(s.labels)],
      );
      oldIds.push(row.id);
    }
    await before.close();

    db = await connect(METRICS_MIGRATIONS);
    const rows = await db.query<{ id: number; key_hash: Buffer; metric: string; node_id: string; labels_key: string }>(
      'test',
      'SELECT id, key_hash, metric, node_id, labels_key FROM metrics.series ORDER BY id',
    );
    expect(rows.map((r) => r.id)).toEqual(oldIds);
    for (const r of rows) expect(r.key_hash.equals(sha256(r.metric, r.node_id, r.labels_key))).toBe(true);
    const indexes = await db.query<{ indexdef: string }>(
      'test',
      `SELECT indexdef FROM pg_indexes WHERE schemaname = 'metrics' AND tablename = 'series' ORDER BY indexname`,
    );
    // No btree holds labels_key any more; the unique one is on the 32-byte hash.
    expect(indexes.map((i) => i.indexdef).filter((d) => d.includes('labels_key'))).toEqual([]);
    expect(indexes.map((i) => i.indexdef)).toContainEqual(
      expect.stringMatching(/UNIQUE INDEX series_key_hash .*\(key_hash\)/),
    );

    // The ingest resolves the old series to their ids, and stores a series of five random 1,000-character labels.
    const huge = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((k) => [k, randomBytes(750).toString('base64')]));
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    const t = Date.now();
    state.fold(
      1,
      ingestBatchOf({
        nodeId: 'n1',
        seq: 1,
        timestamp: t,
        samples: old.slice(0, 2).map((s) => ({ name: s.metric, labels: s.labels, value: 1 })),
      }),
    );
    state.fold(
      2,
      ingestBatchOf({
        nodeId: 'n2',
        seq: 1,
        timestamp: t,
        samples: [
          { name: old[2].metric, labels: old[2].labels, value: 1 },
          { name: 'huge', labels: huge, value: 2 },
        ],
      }),
    );
    const slots = state.plan(t + 60_000, 0, true).rows.map((r) => r.slot);
    await ensureSeriesIds(db, slots);
    const byMetric = Object.fromEntries(slots.map((s) => [s.metric, s.id]));
    expect(old.map((s) => byMetric[s.metric])).toEqual(oldIds);
    expect(byMetric.huge).toBeGreaterThan(Math.max(...oldIds));

    // A second resolution (another replica, a restart) finds the same row instead of a second one.
    const again = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    again.fold(
      1,
      ingestBatchOf({ nodeId: 'n2', seq: 2, timestamp: t, samples: [{ name: 'huge', labels: huge, value: 3 }] }),
    );
    const [slot] = again.plan(t + 60_000, 0, true).rows.map((r) => r.slot);
    await ensureSeriesIds(db, [slot]);
    expect(slot.id).toBe(byMetric.huge);
    const found = await db.query<{ id: number }>(
      'test',
      `SELECT id FROM metrics.series WHERE metric = 'huge' AND labels @> $1::jsonb`,
      [JSON.stringify({ c: huge.c })],
    );
    expect(found.map((r) => r.id)).toEqual([byMetric.huge]);
  });
});
