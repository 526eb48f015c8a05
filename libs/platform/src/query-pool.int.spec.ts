import { type QueryDefinition, UnavailableError, z } from '@vigil/contracts';
import { requestQuery, serveQuery } from '@vigil/messaging';
import { createLogger } from '@vigil/telemetry';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { loadConfig } from './config';
import { Bus, Database, Observability, rpcServerDeps } from './infra';

jest.setTimeout(30_000);

/** A query that runs `sql` through the service's Database, as any qry.* handler does. */
const run: QueryDefinition<
  z.ZodObject<{ sql: z.ZodString }>,
  z.ZodObject<{ rows: z.ZodArray<z.ZodRecord<z.ZodString, z.ZodUnknown>> }>
> = {
  kind: 'qry',
  context: 'pooltest',
  what: 'run',
  request: z.object({ sql: z.string() }),
  reply: z.object({ rows: z.array(z.record(z.string(), z.unknown())) }),
};

/**
 * Reads of qry.* handlers run on a pool of their own whose connections carry statement_timeout;
 * the pool of writes (flushes, projections) is neither limited by it nor starved by it.
 */
describe('Database: the query pool of qry.* handlers', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let db: Database;
  let bus: Bus;
  const sleepSql = (s: number) => `SELECT pg_sleep(${s}) AS slept, current_setting('application_name') AS app`;

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    const config = loadConfig('pool-test', 'PORT', 0, z.object({}), {
      NATS_URL: testUrls.nats,
      DATABASE_URL: tdb.url,
      VIGIL_NATS_PREFIX: tbus.topology.prefix,
      VIGIL_PARTITIONS: String(tbus.topology.partitions),
      VIGIL_QUERY_DB_POOL: '2',
      VIGIL_QUERY_STATEMENT_TIMEOUT_MS: '300',
      VIGIL_QUERY_CONCURRENCY: '8',
    });
    const obs = new Observability('pool-test', createLogger({ service: 'pool-test', level: 'silent' }));
    db = await Database.connect(config, obs, { schema: 'pooltest', migrations: [], poolMax: 3 });
    bus = await Bus.connect(config, obs);
    serveQuery(rpcServerDeps(bus, obs), run, async (r) => ({
      rows: await db.query<Record<string, unknown>>('test', r.sql),
    }));
  });
  afterAll(async () => {
    await bus.close();
    await db.close();
    await tbus.close();
    await tdb.drop();
  });

  const ask = (sql: string) => requestQuery(bus.nc, bus.topology, run, { sql }, 10_000);

  it('runs a handler’s reads on the query pool, with statement_timeout set on its connections', async () => {
    const { rows } = await ask(
      `SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS t`,
    );
    expect(rows).toEqual([{ app: 'pool-test:queries', t: '300ms' }]);
    const [outside] = await db.query<{ app: string; t: string }>(
      'test',
      `SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS t`,
    );
    expect(outside).toEqual({ app: 'pool-test', t: '0' });
  });

  it('cancels a read running past the timeout and answers an error naming it; the next query is served', async () => {
    const started = Date.now();
    const err = await ask(sleepSql(5)).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toMatch(/cancelled after the statement timeout of 300 ms/);
    expect((await ask('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('keeps the write pool free while every query connection is busy', async () => {
    // Four slow queries on a pool of two: two run, two wait for a connection (and time out there or after).
    const slow = Array.from({ length: 4 }, () => ask(sleepSql(0.25)).catch((e: unknown) => e));
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    for (let i = 0; i < 5; i++) await db.query('flush', 'SELECT 1');
    const writeMs = Date.now() - started;
    // A write waited for no query: five round trips on an idle pool.
    expect(writeMs).toBeLessThan(200);
    const [{ n }] = await db.query<{ n: string }>(
      'test',
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pool-test:queries'`,
    );
    expect(Number(n)).toBeLessThanOrEqual(2);
    await Promise.all(slow);
  });
});
