import { type MessageStamp, ReplayGuard } from '@vigil/contracts';
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
  const connect = (
    obs = new Observability('registry-svc', createLogger({ service: 'registry-svc', level: 'silent' })),
  ) =>
    Database.connect({ ...config, DATABASE_URL: tdb.url }, obs, {
      schema: 'registry',
      migrations: [ReplayMarks1765519100000],
      poolMax: 8,
    });

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

  it('coalesces concurrent checks into few statements and decides each message as ReplayGuard does in arrival order, also after a restart', async () => {
    const obs = new Observability('registry-svc', createLogger({ service: 'registry-svc', level: 'silent' }));
    const pool = await connect(obs);
    const statements = async () =>
      ((await obs.registry.getSingleMetric('vigil_db_query_duration_seconds')?.get())?.values ?? []).find(
        (v) =>
          (v as { metricName?: string }).metricName === 'vigil_db_query_duration_seconds_count' &&
          v.labels.operation === 'replay_mark_take',
      )?.value ?? 0;
    type Kind = 'heartbeat' | 'inventory';
    interface Arrival {
      kind: Kind;
      node: string;
      stamp: MessageStamp;
      at: { streamSeq: number; storedAt: number };
    }
    // Originals, copies republished later in the stream, and redeliveries of any earlier
    // message (its own position), over 200 nodes and two kinds, in a seeded random order.
    let seed = 190_019;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    let streamSeq = 1000;
    const sent = new Map<string, Arrival[]>();
    const arrivals = (n: number, prefix: string): Arrival[] => {
      const out: Arrival[] = [];
      for (let k = 0; k < n; k++) {
        const kind: Kind = random() < 0.7 ? 'heartbeat' : 'inventory';
        const node = `${prefix}${Math.floor(random() * 200)}`;
        const key = `${kind} ${node}`;
        const earlier = sent.get(key) ?? [];
        const r = random();
        let a: Arrival;
        if (earlier.length === 0 || r < 0.6) {
          a = { kind, node, stamp: { boot: T, seq: earlier.length + 1, signedAt: T }, at: at(++streamSeq) };
          sent.set(key, [...earlier, a]);
        } else {
          const of = earlier[Math.floor(random() * earlier.length)];
          a = r < 0.85 ? { ...of, at: at(++streamSeq) } : of;
        }
        out.push(a);
      }
      return out;
    };
    const oracle = new ReplayGuard(60_000);
    const expected = (list: Arrival[]) =>
      list.map((a) => oracle.check(`${a.kind} ${a.node}`, a.stamp, a.at)?.reason ?? 'taken');
    const decided = async (state: SharedReplayState, list: Arrival[]) =>
      (await Promise.all(list.map((a) => state.check(a.kind, a.node, a.stamp, a.at)))).map((r) => r?.reason ?? 'taken');
    try {
      const first = arrivals(3000, 'x');
      const want = expected(first);
      expect(new Set(want)).toEqual(new Set(['taken', 'replayed']));
      const before = await statements();
      expect(await decided(new SharedReplayState(pool, 60_000), first)).toEqual(want);
      const used = (await statements()) - before;
      // One statement per message before; now one per round of distinct nodes and kinds.
      expect(used).toBeLessThan(first.length / 5); // 21 of 3,000 when measured

      // A restart (a new pool and state): the next arrivals, copies of everything included,
      // decided as the guard that saw the first ones decides them.
      const restarted = await connect();
      try {
        const next = arrivals(1000, 'x');
        expect(await decided(new SharedReplayState(restarted, 60_000), next)).toEqual(expected(next));
      } finally {
        await restarted.close();
      }
    } finally {
      await pool.close();
    }
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
