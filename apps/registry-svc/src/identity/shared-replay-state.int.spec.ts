import { Database, loadConfig, Observability } from '@vigil/platform';
import { createTestDatabase, type TestDatabase } from '@vigil/test-support';
import { createLogger } from '@vigil/telemetry';
import { RegistryEnv } from '../config';
import { ReplayMarks1765519100000 } from '../migrations/1765519100000-replay-marks';
import { SharedReplayState } from './shared-replay-state';

const T = Date.now();
const stamp = (seq: number, boot = T) => ({ signedAt: T, boot, seq });
const at = (streamSeq: number, storedAt = T) => ({ streamSeq, storedAt });

describe('SharedReplayState (Postgres, registry.replay_marks)', () => {
  let tdb: TestDatabase;
  let db: Database;
  const config = loadConfig('registry-svc', 'VIGIL_REGISTRY_PORT', 0, RegistryEnv, {});
  const connect = () =>
    Database.connect(
      { ...config, DATABASE_URL: tdb.url },
      new Observability('registry-svc', createLogger({ service: 'registry-svc', level: 'silent' })),
      { schema: 'registry', migrations: [ReplayMarks1765519100000], poolMax: 8 },
    );

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await connect();
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('is one state for every replica: a copy reaching another replica is refused', async () => {
    const replica1 = new SharedReplayState(db, 60_000);
    const replica2 = new SharedReplayState(db, 60_000);
    expect(await replica1.check('heartbeat', 'n1', stamp(1), at(10))).toBeUndefined();
    expect(await replica1.check('heartbeat', 'n1', stamp(2), at(11))).toBeUndefined();
    expect(await replica2.check('heartbeat', 'n1', stamp(2), at(12))).toEqual({
      reason: 'replayed',
      detail: `node n1's message ${T}/2 is not after the last taken, ${T}/2`,
    });
    // A redelivery, or a message handled out of order, is at or before the last position.
    expect(await replica2.check('heartbeat', 'n1', stamp(1), at(10))).toBeUndefined();
    // Kinds are apart (each is its own consumer), and so are nodes; a new boot starts anew.
    expect(await replica2.check('inventory', 'n1', stamp(1), at(13))).toBeUndefined();
    expect(await replica2.check('heartbeat', 'n2', stamp(1), at(14))).toBeUndefined();
    expect(await replica2.check('heartbeat', 'n1', stamp(1, T + 1), at(15))).toBeUndefined();
    // The earlier boot cannot come back once a later one was taken.
    expect(await replica1.check('heartbeat', 'n1', stamp(3, T), at(16))).toMatchObject({ reason: 'replayed' });
  });

  it('outlives the process: a new connection pool (a restarted replica) refuses a copy and takes the next', async () => {
    const before = new SharedReplayState(db, 60_000);
    expect(await before.check('heartbeat', 'r1', stamp(7), at(100))).toBeUndefined();
    const restarted = await connect();
    try {
      const after = new SharedReplayState(restarted, 60_000);
      expect(await after.check('heartbeat', 'r1', stamp(7), at(101))).toMatchObject({ reason: 'replayed' });
      expect(await after.check('heartbeat', 'r1', stamp(8), at(102))).toBeUndefined();
      // A new boot resets; the old boot stays refused.
      expect(await after.check('heartbeat', 'r1', stamp(1, T + 5), at(103))).toBeUndefined();
      expect(await after.check('heartbeat', 'r1', stamp(9), at(104))).toMatchObject({ reason: 'replayed' });
    } finally {
      await restarted.close();
    }
  });

  it('orders concurrent handlers of one node by the row lock: of 20 copies of one stamp one is taken', async () => {
    const state = new SharedReplayState(db, 60_000);
    // The first message of a node, 20 copies at once at increasing stream positions (its
    // concurrency-32 consumer, or several replicas): the first insert wins, the others are
    // either before its position (taken, changing nothing) or after it (refused).
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => state.check('heartbeat', 'c1', stamp(1), at(200 + i))),
    );
    const [mark] = await db.query<{ stream_seq: string }>(
      'test',
      `SELECT stream_seq FROM registry.replay_marks WHERE node_id = 'c1'`,
    );
    const winner = Number(mark.stream_seq);
    results.forEach((r, i) => {
      if (200 + i <= winner) expect(r).toBeUndefined();
      else expect(r?.reason).toBe('replayed');
    });
  });

  it('refuses a stale stamp without writing, and forgets a node', async () => {
    const state = new SharedReplayState(db, 60_000);
    expect(await state.check('heartbeat', 'n3', stamp(1), at(1, T + 61_000))).toMatchObject({ reason: 'stale' });
    expect(await db.query('test', `SELECT 1 FROM registry.replay_marks WHERE node_id = 'n3'`)).toHaveLength(0);
    expect(await state.check('heartbeat', 'n3', stamp(5), at(2))).toBeUndefined();
    await state.forget('n3');
    expect(await state.check('heartbeat', 'n3', stamp(1), at(3))).toBeUndefined();
  });
});
