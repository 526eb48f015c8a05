import { Database, loadConfig, Observability } from '@vigil/platform';
import { createLogger } from '@vigil/telemetry';
import { createTestDatabase, type TestDatabase } from '@vigil/test-support';
import { MetricsEnv } from '../config';
import { MetricsInit1764100000000 } from '../migrations/1764100000000-metrics-init';
import { CREATE_STAGE, type CopyRow, encodeRollupCopy, STAGE_TABLE, TIER_CODE } from './rollup-copy';

describe('rollup rows in binary COPY format', () => {
  let tdb: TestDatabase;
  let db: Database;
  const config = loadConfig('metrics-svc', 'VIGIL_METRICS_PORT', 0, MetricsEnv, {});

  beforeAll(async () => {
    tdb = await createTestDatabase();
    const obs = new Observability('metrics-svc', createLogger({ service: 'metrics-svc', level: 'silent' }));
    db = await Database.connect({ ...config, DATABASE_URL: tdb.url }, obs, {
      schema: 'metrics',
      migrations: [MetricsInit1764100000000],
    });
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('reaches Postgres bit for bit: doubles, counts beyond 32 bits, times before and after 2000, ids', async () => {
    const row = (seriesId: number, bucket: number, agg: Partial<CopyRow['agg']> = {}): CopyRow => ({
      seriesId,
      agg: { bucket, min: -1.5, max: 0.1 + 0.2, sum: 1e300, count: 3, last: -0, lastAt: bucket + 9_999, ...agg },
    });
    const rows = {
      '10s': [
        row(1, 1_764_000_000_000),
        row(2_147_483_647, Date.UTC(1999, 11, 31, 23, 59, 50), { count: 2 ** 40 + 7, min: -5e-324 }),
      ],
      '1m': [row(3, 60_000, { max: 1.7976931348623157e308, lastAt: 119_999 })],
      '1h': [] as CopyRow[],
    };
    // One connection throughout: the staging table is the session's own.
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    const read = await runner.manager.transaction(async (tx) => {
      await db.query('test', CREATE_STAGE, [], tx);
      await db.copyFrom(
        'test',
        `COPY ${STAGE_TABLE} FROM STDIN (FORMAT binary)`,
        encodeRollupCopy(Object.entries(rows) as [keyof typeof rows, CopyRow[]][]),
        tx,
      );
      return db.query<Record<string, string>>(
        'test',
        `SELECT tier, series_id, (extract(epoch FROM bucket) * 1000)::bigint::text AS bucket, float8send(min)::text AS min,
                float8send(max)::text AS max, float8send(sum)::text AS sum, count::text, float8send(last)::text AS last,
                (extract(epoch FROM last_at) * 1000)::bigint::text AS last_at
           FROM ${STAGE_TABLE} ORDER BY series_id`,
        [],
        tx,
      );
    });
    const bits = (v: number) => {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v);
      return `\\x${b.toString('hex')}`;
    };
    const want = Object.entries(rows).flatMap(([tier, list]) =>
      list.map(({ seriesId, agg }) => ({
        tier: TIER_CODE[tier as keyof typeof TIER_CODE],
        series_id: seriesId,
        bucket: String(agg.bucket),
        min: bits(agg.min),
        max: bits(agg.max),
        sum: bits(agg.sum),
        count: String(agg.count),
        last: bits(agg.last),
        last_at: String(agg.lastAt),
      })),
    );
    expect(read).toEqual(want.sort((a, b) => a.series_id - b.series_id));
    // The staging table is emptied at commit: the next flush merges only its own rows.
    expect(await db.query('test', `SELECT * FROM ${STAGE_TABLE}`, [], runner.manager)).toEqual([]);
    await runner.release();
  });
});
