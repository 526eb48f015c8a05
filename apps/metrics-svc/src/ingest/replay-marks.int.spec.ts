import { type MessageStamp, ReplayGuard } from '@vigil/contracts';
import { Database, loadConfig, Observability } from '@vigil/platform';
import { createTestDatabase, type TestDatabase } from '@vigil/test-support';
import { createLogger } from '@vigil/telemetry';
import { MetricsEnv } from '../config';
import { METRICS_MIGRATIONS } from '../migrations';
import { ReplayMarks } from './replay-marks';

const SKEW = 60_000;

/** A message of the stream as the ingest sees it: its node, stamp and where the stream holds it. */
interface Read {
  node: string;
  stamp: MessageStamp;
  streamSeq: number;
  storedAt: number;
}

/** Each message's decision: taken, or the refusal's reason. */
const decide = (guard: ReplayGuard, reads: Read[]) =>
  reads.map((r) => guard.check(r.node, r.stamp, { streamSeq: r.streamSeq, storedAt: r.storedAt })?.reason ?? 'taken');

/**
 * metrics.replay_marks pruned in the flush transaction against the position stored with them:
 * marks that can refuse nothing a re-read from that position reads go, the rest stay, and a
 * re-read after a restart decides every message as the first reading did.
 */
describe('ReplayMarks pruning (Postgres, metrics.replay_marks)', () => {
  let tdb: TestDatabase;
  let db: Database;
  const config = loadConfig('metrics-svc', 'VIGIL_METRICS_PORT', 0, MetricsEnv, {});

  beforeAll(async () => {
    tdb = await createTestDatabase();
    const obs = new Observability('metrics-svc', createLogger({ service: 'metrics-svc', level: 'silent' }));
    db = await Database.connect({ ...config, DATABASE_URL: tdb.url }, obs, {
      schema: 'metrics',
      migrations: METRICS_MIGRATIONS,
    });
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  const rows = async (partition: number) =>
    (
      await db.query<{ node_id: string }>(
        'test',
        'SELECT node_id FROM metrics.replay_marks WHERE partition = $1 ORDER BY node_id',
        [partition],
      )
    ).map((r) => r.node_id);

  /** A flush: the marks through `position` written, then pruned, in one transaction. */
  const flush = (marks: ReplayMarks, guard: ReplayGuard, partition: number, position: number, batch?: number) =>
    db.dataSource.transaction(async (tx) => {
      await marks.write(tx, partition, guard.marksThrough(position));
      return marks.prune(tx, partition, batch);
    });

  it('prunes marks older than the partition’s newest by twice the skew; a re-read after a restart decides as the first reading', async () => {
    const marks = new ReplayMarks(db, SKEW);
    const now = Date.now();
    const old = now - 10 * 60_000;
    const boot = old;
    const stamp = (seq: number, signedAt: number) => ({ boot, seq, signedAt });
    // Stream order: five nodes heard ten minutes ago, then one heard now (two messages).
    const before: Read[] = [
      ...['o1', 'o2', 'o3', 'o4', 'o5'].map((node, i) => ({
        node,
        stamp: stamp(1, old),
        streamSeq: i + 1,
        storedAt: old,
      })),
      { node: 'live', stamp: stamp(1, now - 2000), streamSeq: 6, storedAt: now - 2000 },
      { node: 'live', stamp: stamp(2, now - 1000), streamSeq: 7, storedAt: now - 1000 },
    ];
    // After the stored position (7): copies of old and recent messages, and new ones.
    const after: Read[] = [
      { node: 'live', stamp: stamp(2, now - 1000), streamSeq: 8, storedAt: now },
      { node: 'live', stamp: stamp(1, now - 2000), streamSeq: 9, storedAt: now },
      { node: 'o1', stamp: stamp(1, old), streamSeq: 10, storedAt: now },
      { node: 'live', stamp: stamp(3, now), streamSeq: 11, storedAt: now },
      { node: 'o2', stamp: stamp(2, now), streamSeq: 12, storedAt: now },
      { node: 'o2', stamp: stamp(2, now), streamSeq: 13, storedAt: now },
    ];

    const first = new ReplayGuard(SKEW, { journal: true });
    expect(decide(first, before)).toEqual(Array(7).fill('taken'));
    expect(await flush(marks, first, 0, 7)).toBe(5);
    expect(await rows(0)).toEqual(['live']);
    const firstDecisions = decide(first, after);
    // The copies of the recent messages are refused as replayed, the old copy as stale.
    expect(firstDecisions).toEqual(['replayed', 'replayed', 'stale', 'taken', 'taken', 'replayed']);

    // A restart: a new guard from the stored (pruned) marks re-reads after position 7.
    const restarted = new ReplayGuard(SKEW, { journal: true });
    await marks.seed(0, restarted);
    expect(restarted.size).toBe(1);
    expect(decide(restarted, after)).toEqual(firstDecisions);
  });

  it('keeps what a re-read far behind the wall clock still needs: the bound is the partition’s newest mark, not now', async () => {
    const marks = new ReplayMarks(db, SKEW);
    const hourAgo = Date.now() - 3600_000;
    const guard = new ReplayGuard(SKEW, { journal: true });
    const reads: Read[] = ['b1', 'b2'].map((node, i) => ({
      node,
      stamp: { boot: hourAgo, seq: 1, signedAt: hourAgo + i * 1000 },
      streamSeq: i + 1,
      storedAt: hourAgo + i * 1000,
    }));
    expect(decide(guard, reads)).toEqual(['taken', 'taken']);
    expect(await flush(marks, guard, 1, 2)).toBe(0);
    // The backlog after the position (stored an hour ago): a copy of b1 is refused after a restart.
    const restarted = new ReplayGuard(SKEW);
    await marks.seed(1, restarted);
    expect(decide(restarted, [{ ...reads[0], streamSeq: 3, storedAt: hourAgo + 2000 }])).toEqual(['replayed']);
    expect(await rows(1)).toEqual(['b1', 'b2']);
  });

  it('deletes in bounded batches, each partition on its own', async () => {
    const marks = new ReplayMarks(db, SKEW);
    const now = Date.now();
    await db.query(
      'test',
      `INSERT INTO metrics.replay_marks (node_id, partition, boot, seq, stream_seq, signed_at)
         SELECT 'many-' || i, 2, 1, 1, i, to_timestamp($1 / 1000.0) FROM generate_series(1, 2500) AS i`,
      [now - 3600_000],
    );
    const guard = new ReplayGuard(SKEW, { journal: true });
    guard.check('fresh', { boot: 1, seq: 1, signedAt: now }, { streamSeq: 3000, storedAt: now });
    expect(await flush(marks, guard, 2, 3000, 1000)).toBe(1000);
    expect(await flush(marks, guard, 2, 3000, 1000)).toBe(1000);
    expect(await flush(marks, guard, 2, 3000, 1000)).toBe(500);
    expect(await flush(marks, guard, 2, 3000, 1000)).toBe(0);
    expect(await rows(2)).toEqual(['fresh']);
    // Partition 1's marks (an hour old, no newer mark there) were not touched.
    expect(await rows(1)).toEqual(['b1', 'b2']);
  });
});
