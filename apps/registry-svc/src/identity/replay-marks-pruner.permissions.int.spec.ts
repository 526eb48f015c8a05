import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { createTopology, type Topology } from '@vigil/contracts';
import { Database, loadConfig, Observability } from '@vigil/platform';
import { AuthNatsServer, createTestDatabase, requireTool, type TestDatabase, uniqueId } from '@vigil/test-support';
import { createLogger } from '@vigil/telemetry';
import { RegistryEnv } from '../config';
import { ReplayMarks1765519100000 } from '../migrations/1765519100000-replay-marks';
import { ReplayMarksPruning1766200000001 } from '../migrations/1766200000001-replay-marks-pruning';
import { ReplayMarksPruner } from './replay-marks-pruner';

jest.setTimeout(30_000);

const SKEW = 200;
const natsServer = requireTool('nats-server', 'nats-server');
const describeWithServer = natsServer ? describe : describe.skip;

/**
 * The pruner as registry-svc runs it: connected as the `registry-svc` NATS user, with the
 * permissions libs/contracts generates. Its stream info, consumer info and message get must be
 * allowed: a refused consumer info or message get is not an error to it (it falls back to the
 * stream's first message, which prunes less), so the test asks for the floor's own time.
 */
describeWithServer('ReplayMarksPruner under the registry-svc NATS permissions', () => {
  let server: AuthNatsServer;
  let t: Topology;
  let registry: NatsConnection;
  let admin: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  const config = loadConfig('registry-svc', 'VIGIL_REGISTRY_PORT', 0, RegistryEnv, {});

  beforeAll(async () => {
    t = createTopology(uniqueId(), 4);
    server = await new AuthNatsServer(t).start();
    await server.provision();
    registry = await server.connect('registry-svc');
    admin = await server.connect('admin');
    tdb = await createTestDatabase();
    db = await Database.connect(
      { ...config, DATABASE_URL: tdb.url },
      new Observability('registry-svc', createLogger({ service: 'registry-svc', level: 'silent' })),
      { schema: 'registry', migrations: [ReplayMarks1765519100000, ReplayMarksPruning1766200000001] },
    );
  });
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
    await registry?.close();
    await admin?.close();
    await server?.stop();
  });

  it('reads the ack floor’s stored time and prunes the marks behind it, with nothing refused', async () => {
    const jsm = await jetstreamManager(registry);
    // registry-svc creates its own durable consumer (JetStreamWorker), then reads and acks.
    await jsm.consumers.add(t.streams.telemetry, {
      durable_name: t.consumers.registryHeartbeats,
      filter_subject: t.subjects.allHeartbeats(),
      ack_policy: AckPolicy.Explicit,
    });
    const agent = await server.connect('agent');
    const a = await jetstream(agent).publish(t.subjects.heartbeat('n1'), '{}');
    await new Promise((r) => setTimeout(r, 300));
    const b = await jetstream(agent).publish(t.subjects.heartbeat('n1'), '{}');
    await agent.close();
    const consumer = await jetstream(registry).consumers.get(t.streams.telemetry, t.consumers.registryHeartbeats);
    for await (const m of await consumer.fetch({ max_messages: 2, expires: 2000 })) await m.ackAck();

    const adminJsm = await jetstreamManager(admin);
    const storedA = (await adminJsm.streams.getMessage(t.streams.telemetry, { seq: a.seq }))!.time.getTime();
    const storedB = (await adminJsm.streams.getMessage(t.streams.telemetry, { seq: b.seq }))!.time.getTime();
    expect(storedB).toBeGreaterThan(storedA);

    const pruner = new ReplayMarksPruner(db, jsm, t, SKEW, 0);
    // B, the floor, not A, the stream's first: both the consumer info and the get were answered.
    expect(await pruner.oldestReadable(t.consumers.registryHeartbeats)).toBe(storedB);

    const mark = (nodeId: string, signedAt: number) =>
      db.query(
        'test',
        `INSERT INTO registry.replay_marks (node_id, kind, boot, seq, stream_seq, signed_at)
           VALUES ($1, 'heartbeat', 1, 1, 1, to_timestamp($2 / 1000.0))`,
        [nodeId, signedAt],
      );
    // Behind the floor by more than the skew (only the floor shows it), and one recent.
    await mark('behind-floor', storedB - SKEW - 100);
    await mark('recent', Date.now());
    expect(await pruner.prune()).toBe(1);
    const left = await db.query<{ node_id: string }>('test', 'SELECT node_id FROM registry.replay_marks');
    expect(left.map((r) => r.node_id)).toEqual(['recent']);
    expect(server.permissionViolations()).toEqual([]);
  });
});
