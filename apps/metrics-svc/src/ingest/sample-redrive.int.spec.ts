import { headers } from '@nats-io/nats-core';
import { type SampleBatch, sampleBatchMessage } from '@vigil/contracts';
import { DeadLetters, type ParkedMessage } from '@vigil/messaging';
import { Bus, Database, IdentityGate, loadConfig, Observability, SecurityViolations } from '@vigil/platform';
import { createLogger } from '@vigil/telemetry';
import { createTestBus, eventually, postgresBinDir, PrivatePostgres, type TestBus } from '@vigil/test-support';
import { Counter } from 'prom-client';
import { MetricsEnv, retentionOf } from '../config';
import { createMetricsSvcMetrics } from '../metrics-svc.metrics';
import { METRICS_MIGRATIONS } from '../migrations';
import { maintainPartitions } from '../storage/partitions';
import { PartitionPositions } from './partition-positions';
import { RollupWriter } from './rollup-writer';
import { SampleRedrive } from './sample-redrive';

jest.setTimeout(90_000);

/**
 * metrics-svc's redrive of a parked sample batch against a Postgres of the test's own, stopped
 * and started under it: while Postgres is down the redrive fails (the message stays parked);
 * once it is back the batch is merged, and a second copy of the same original is not.
 */
describe('SampleRedrive (metrics-svc) with Postgres going away and coming back', () => {
  const config = loadConfig('metrics-svc', 'VIGIL_METRICS_PORT', 0, MetricsEnv, {});
  const retention = retentionOf(config);
  let pg: PrivatePostgres;
  let tbus: TestBus;
  let db: Database;
  let redrive: SampleRedrive;

  beforeAll(async () => {
    pg = await new PrivatePostgres(postgresBinDir()!).start();
    tbus = await createTestBus();
    const obs = new Observability('metrics-svc', createLogger({ service: 'metrics-svc', level: 'silent' }));
    const counter = new Counter({ name: 'p', help: 'h', labelNames: ['service', 'reason'], registers: [] });
    const bus = new Bus(
      tbus.nc,
      tbus.js,
      tbus.jsm,
      tbus.topology,
      new DeadLetters(tbus.js, tbus.topology, 'metrics-svc', counter),
    );
    db = await Database.connect({ ...config, DATABASE_URL: pg.url }, obs, {
      schema: 'metrics',
      migrations: METRICS_MIGRATIONS,
    });
    await maintainPartitions(db.dataSource, 'metrics', retention, Date.now());
    const positions = new PartitionPositions(db);
    await positions.ensure(tbus.topology.partitions);
    const identity = new IdentityGate(db, new SecurityViolations(bus, obs, config), {
      table: 'metrics.node_identities',
      projection: 'metrics-identities',
      requireEnrollment: false,
      skewMs: 300_000,
    });
    await identity.load();
    redrive = new SampleRedrive({
      topology: tbus.topology,
      db,
      writer: new RollupWriter(db, positions, retention),
      identity,
      metrics: createMetricsSvcMetrics(
        obs.registry,
        () => 0,
        () => 0,
      ),
      maxFutureMs: 600_000,
      oldestMs: retention['1h'],
    });
  });
  afterAll(async () => {
    await db?.close().catch(() => undefined);
    pg?.stop();
    await tbus?.close();
  });

  function parkedCopy(dlqSeq: number, streamSeq: number, batch: SampleBatch, data?: Uint8Array): ParkedMessage {
    const m = sampleBatchMessage(tbus.topology, batch);
    const body = data ?? m.data;
    return {
      seq: dlqSeq,
      service: 'metrics-svc',
      reason: 'processing_failed',
      detail: 'test',
      originalSubject: m.subject,
      stream: tbus.topology.streams.telemetry,
      streamSeq,
      parkedAt: new Date().toISOString(),
      storedAt: new Date().toISOString(),
      redrives: 0,
      size: body.length,
      headers: headers(),
      data: body,
    };
  }

  const admin = { actor: 'user:admin' };
  const storedSum = async (nodeId: string) =>
    Number(
      (
        await db.query<{ s: string }>(
          'test',
          `SELECT coalesce(sum(r.sum), 0) AS s FROM metrics.rollup_10s r JOIN metrics.series s ON s.id = r.series_id
            WHERE s.node_id = $1`,
          [nodeId],
        )
      )[0].s,
    );

  const batch = (nodeId: string, value: number): SampleBatch => ({
    nodeId,
    seq: 1,
    timestamp: Date.now() - 60_000,
    intervalMs: 1000,
    samples: [
      { name: 'probe', labels: {}, value },
      { name: 'probe', labels: { k: 'v' }, value: 1 },
    ],
  });

  it('fails while Postgres is down, merges once it is back, and never merges the same original twice', async () => {
    const copy = parkedCopy(10, 500, batch('rd1', 40));
    pg.down();
    await expect(redrive.redrive(copy, admin)).rejects.toThrow();
    await pg.up();
    // The pool finds its connections cut: the first attempts may fail too, and change nothing.
    const result = await eventually(() => redrive.redrive(copy, admin).catch(() => undefined), {
      what: 'the redrive to go through once Postgres is back',
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    expect(result).toEqual({ outcome: 'applied' });
    expect(await storedSum('rd1')).toBe(41);
    // Who asked is kept with the record.
    const who = await db.query<{ actor: string }>(
      'test',
      'SELECT actor FROM metrics.dlq_redriven WHERE stream_seq = 500',
    );
    expect(who).toEqual([{ actor: 'user:admin' }]);
    // The same original parked again (a crash before the DLQ copy was deleted, or re-parked): not again.
    expect(await redrive.redrive({ ...copy, seq: 11, redrives: 1 }, admin)).toEqual({ outcome: 'already_applied' });
    expect(await storedSum('rd1')).toBe(41);
    // Another original of the same node is merged into the same bucket.
    expect(await redrive.redrive(parkedCopy(12, 501, { ...batch('rd1', 2), seq: 2 }), admin)).toEqual({
      outcome: 'applied',
    });
    expect(await storedSum('rd1')).toBe(41 + 3);
  });

  it('refuses, without writing, what the ingest would refuse: a malformed batch, a batch in another node’s name', async () => {
    const malformed = parkedCopy(20, 600, batch('rd2', 1), Buffer.from('{"nodeId":"rd2","samples":"nope"}'));
    expect(await redrive.redrive(malformed, admin)).toMatchObject({ outcome: 'refused', reason: 'invalid_payload' });
    const m = parkedCopy(21, 601, batch('rd3', 1));
    const misaddressed = { ...m, originalSubject: m.originalSubject.replace(/rd3$/, 'rd2') };
    expect(await redrive.redrive(misaddressed, admin)).toMatchObject({
      outcome: 'refused',
      reason: 'identity_mismatch',
      detail: expect.stringMatching(/^subject_mismatch/),
    });
    expect([await storedSum('rd2'), await storedSum('rd3')]).toEqual([0, 0]);
    const recorded = await db.query<{ n: string }>(
      'test',
      'SELECT count(*) AS n FROM metrics.dlq_redriven WHERE stream_seq IN (600, 601)',
    );
    expect(Number(recorded[0].n)).toBe(0);
  });
});
