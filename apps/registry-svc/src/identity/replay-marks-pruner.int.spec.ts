import { AckPolicy } from '@nats-io/jetstream';
import { Database, loadConfig, Observability } from '@vigil/platform';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase } from '@vigil/test-support';
import { createLogger } from '@vigil/telemetry';
import { RegistryEnv } from '../config';
import { ReplayMarks1765519100000 } from '../migrations/1765519100000-replay-marks';
import { ReplayMarksPruning1766200000001 } from '../migrations/1766200000001-replay-marks-pruning';
import { ReplayMarksPruner } from './replay-marks-pruner';
import { SharedReplayState } from './shared-replay-state';

jest.setTimeout(30_000);

const SKEW = 1000;

/**
 * registry.replay_marks pruned against what the kind's durable consumer may still read (its
 * ack floor's stream time), on a real stream: a mark goes only once every message it could
 * refuse is behind the floor; a recent one stays and still refuses its copy.
 */
describe('ReplayMarksPruner (real NATS and Postgres)', () => {
  let bus: TestBus;
  let tdb: TestDatabase;
  let db: Database;
  const config = loadConfig('registry-svc', 'VIGIL_REGISTRY_PORT', 0, RegistryEnv, {});

  beforeAll(async () => {
    bus = await createTestBus();
    tdb = await createTestDatabase();
    db = await Database.connect(
      { ...config, DATABASE_URL: tdb.url },
      new Observability('registry-svc', createLogger({ service: 'registry-svc', level: 'silent' })),
      { schema: 'registry', migrations: [ReplayMarks1765519100000, ReplayMarksPruning1766200000001] },
    );
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
    await bus.close();
  });

  const marks = async () =>
    (
      await db.query<{ node_id: string; kind: string }>(
        'test',
        'SELECT node_id, kind FROM registry.replay_marks ORDER BY node_id, kind',
      )
    ).map((r) => `${r.node_id}/${r.kind}`);

  const mark = (nodeId: string, kind: string, signedAt: number) =>
    db.query(
      'test',
      `INSERT INTO registry.replay_marks (node_id, kind, boot, seq, stream_seq, signed_at)
         VALUES ($1, $2, 1, 1, 1, to_timestamp($3 / 1000.0))`,
      [nodeId, kind, signedAt],
    );

  /** Takes the next `n` heartbeats from the registry's durable consumer and acks them. */
  const ackNext = async (n: number) => {
    const consumer = await bus.js.consumers.get(
      bus.topology.streams.telemetry,
      bus.topology.consumers.registryHeartbeats,
    );
    let got = 0;
    for await (const m of await consumer.fetch({ max_messages: n, expires: 2000 })) {
      m.ack();
      got++;
    }
    expect(got).toBe(n);
  };

  it('prunes by the consumer’s ack floor: kept while a message it could refuse is unread, gone after; recent marks keep refusing', async () => {
    const { jsm, js, topology: t } = bus;
    await jsm.consumers.add(t.streams.telemetry, {
      durable_name: t.consumers.registryHeartbeats,
      filter_subject: t.subjects.allHeartbeats(),
      ack_policy: AckPolicy.Explicit,
    });
    const a = await js.publish(t.subjects.heartbeat('n1'), '{}');
    const storedA = (await jsm.streams.getMessage(t.streams.telemetry, { seq: a.seq }))!.time.getTime();
    // A mark signed just before A was stored: a copy of its message stored with A would be fresh.
    await mark('near-a', 'heartbeat', storedA - SKEW / 2);
    // Marks signed long before anything the stream holds, of every kind.
    for (const kind of ['heartbeat', 'inventory', 'agent-events']) await mark('old', kind, storedA - 3600_000);
    await new Promise((r) => setTimeout(r, 2.5 * SKEW));
    const b = await js.publish(t.subjects.heartbeat('n1'), '{}');

    const pruner = new ReplayMarksPruner(db, jsm, t, SKEW, 0);
    // Nothing acked: the consumer may still read A; only the hour-old marks go.
    expect(await pruner.oldestReadable(t.consumers.registryHeartbeats)).toBe(storedA);
    expect(await pruner.prune()).toBe(3);
    expect(await marks()).toEqual(['near-a/heartbeat']);
    // A acked: the floor is A, which is still the oldest it may read (B is after it).
    await ackNext(1);
    expect(await pruner.prune()).toBe(0);
    // B acked: nothing stored before B can be read any more by this consumer.
    await ackNext(1);
    const storedB = (await jsm.streams.getMessage(t.streams.telemetry, { seq: b.seq }))!.time.getTime();
    expect(await pruner.oldestReadable(t.consumers.registryHeartbeats)).toBe(storedB);

    // A node heard now: its mark is recent and survives the prune.
    const state = new SharedReplayState(db, SKEW);
    const now = Date.now();
    const stamp = { boot: now, seq: 1, signedAt: now };
    expect(await state.check('heartbeat', 'live', stamp, { streamSeq: b.seq, storedAt: now })).toBeUndefined();
    expect(await pruner.prune()).toBe(1);
    expect(await marks()).toEqual(['live/heartbeat']);
    // Its copy, stored later in the stream, is still refused; its next message is taken.
    expect(await state.check('heartbeat', 'live', stamp, { streamSeq: b.seq + 1, storedAt: now })).toMatchObject({
      reason: 'replayed',
    });
    expect(
      await state.check('heartbeat', 'live', { ...stamp, seq: 2 }, { streamSeq: b.seq + 2, storedAt: now }),
    ).toBeUndefined();
  });

  it('deletes in bounded batches', async () => {
    await db.query(
      'test',
      `INSERT INTO registry.replay_marks (node_id, kind, boot, seq, stream_seq, signed_at)
         SELECT 'many-' || i, 'inventory', 1, 1, i, now() - interval '2 hours' FROM generate_series(1, 250) AS i`,
    );
    const pruner = new ReplayMarksPruner(db, bus.jsm, bus.topology, SKEW, 0);
    // Ten batches of 20 in one run, the rest in the next.
    expect(await pruner.prune(20)).toBe(200);
    expect(await pruner.prune(20)).toBe(50);
    expect(await marks()).toEqual(['live/heartbeat']);
  });
});
