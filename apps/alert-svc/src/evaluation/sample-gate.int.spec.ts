import { generateKeyPairSync } from 'node:crypto';
import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { headers, nanos } from '@nats-io/nats-core';
import {
  decodeSampleBatch,
  encodePublicKey,
  type MessageStamp,
  sampleBatchMessage,
  signMessage,
} from '@vigil/contracts';
import { DeadLetters } from '@vigil/messaging';
import { Bus, Database, loadConfig, Observability, SecurityViolations } from '@vigil/platform';
import { createTestBus, createTestDatabase, eventually, type TestBus, type TestDatabase } from '@vigil/test-support';
import type { Counter } from 'prom-client';
import { createLogger } from '@vigil/telemetry';
import { AlertEnv } from '../config';
import { AlertingInit1764400000000 } from '../migrations/1764400000000-alerting-init';
import { Notifications1764500000000 } from '../migrations/1764500000000-notifications';
import { SilencesAlertHistory1764600000000 } from '../migrations/1764600000000-silences-alert-history';
import { NodeIdentities1765100000000 } from '../migrations/1765100000000-node-identities';
import { AlertingReplayMarks1765519200000 } from '../migrations/1765519200000-replay-marks';
import { AlertingReplayMarksPruning1766200000002 } from '../migrations/1766200000002-replay-marks-pruning';
import { SampleGate } from './sample-gate';

jest.setTimeout(60_000);

/**
 * The evaluator's replay marks after a crash before it stored them: the next evaluator (a new
 * SampleGate over the same database and stream) finds them again by checking the stream from
 * the checkpoint, refuses a copy republished after the duplicate window and takes fresh batches.
 */
describe('SampleGate replay marks across a crash (real NATS and Postgres)', () => {
  let testBus: TestBus;
  let bus: Bus;
  let tdb: TestDatabase;
  let db: Database;
  let obs: Observability;
  const config = loadConfig('alert-svc', 'VIGIL_ALERT_PORT', 0, AlertEnv, {});
  const keys = generateKeyPairSync('ed25519');
  const BOOT = Date.now();
  let seq = 0;
  /** The boot `publish` signs with (a test after one that took a newer boot moves it on). */
  let boot = BOOT;
  const gates: SampleGate[] = [];

  beforeAll(async () => {
    testBus = await createTestBus();
    obs = new Observability('alert-svc', createLogger({ service: 'alert-svc', level: 'silent' }));
    bus = new Bus(
      testBus.nc,
      testBus.js,
      testBus.jsm,
      testBus.topology,
      new DeadLetters(testBus.js, testBus.topology, 'alert-svc', obs.dlq.messages),
    );
    tdb = await createTestDatabase();
    db = await Database.connect({ ...config, DATABASE_URL: tdb.url }, obs, {
      schema: 'alerting',
      migrations: [
        AlertingInit1764400000000,
        Notifications1764500000000,
        SilencesAlertHistory1764600000000,
        NodeIdentities1765100000000,
        AlertingReplayMarks1765519200000,
        AlertingReplayMarksPruning1766200000002,
      ],
    });
    await db.query(
      'test',
      `INSERT INTO alerting.node_identities (node_id, public_key, last_event_seq) VALUES ('g1', $1, 0)`,
      [encodePublicKey(keys.publicKey)],
    );
    // JetStream's duplicate window, 10 min in production, down to a second.
    const stream = await testBus.jsm.streams.info(testBus.topology.streams.telemetry);
    await testBus.jsm.streams.update(testBus.topology.streams.telemetry, {
      ...stream.config,
      duplicate_window: nanos(1000),
    });
  });
  afterAll(async () => {
    for (const g of gates) await g.beforeApplicationShutdown();
    await db.close();
    await tdb.drop();
    await testBus.close();
  });

  const newGate = async () => {
    const gate = new SampleGate(bus, db, obs, new SecurityViolations(bus, obs, config), config);
    gates.push(gate);
    await gate.start();
    return gate;
  };

  interface Sent {
    subject: string;
    data: Uint8Array;
    msgId: string;
    h: ReturnType<typeof headers>;
    seq: number;
  }
  async function publish(value: number): Promise<Sent> {
    const s: MessageStamp = { signedAt: Date.now(), boot, seq: ++seq };
    const m = sampleBatchMessage(testBus.topology, {
      nodeId: 'g1',
      seq,
      timestamp: Date.now(),
      intervalMs: 1000,
      samples: [{ name: 'cpu', labels: {}, value }],
    });
    const h = headers();
    for (const [name, v] of Object.entries(signMessage(keys.privateKey, m, s))) h.set(name, v);
    const ack = await testBus.js.publish(m.subject, m.data, { msgID: m.msgId, headers: h });
    return { ...m, h, seq: ack.seq };
  }
  async function republish(sent: Sent): Promise<number> {
    const ack = await testBus.js.publish(sent.subject, sent.data, { msgID: sent.msgId, headers: sent.h });
    expect(ack.duplicate).toBe(false);
    return ack.seq;
  }
  async function read(streamSeq: number): Promise<JsMsg> {
    const consumer = await testBus.js.consumers.get(testBus.topology.streams.telemetry, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: streamSeq,
    });
    const m = await consumer.next({ expires: 5000 });
    if (!m || m.seq !== streamSeq) throw new Error(`message ${streamSeq} not read`);
    return m;
  }
  const admit = async (admission: Awaited<ReturnType<SampleGate['beginReading']>>, streamSeq: number) => {
    const m = await read(streamSeq);
    return admission.live(m, decodeSampleBatch(m.data));
  };

  it('a crash within the second before the marks are written: the copy is still refused, fresh batches taken', async () => {
    const first = await (await newGate()).beginReading();
    const original = await publish(1);
    expect(await admit(first, original.seq)).toBe(true);
    // The first evaluator dies now (its marks not written: it writes them every second); the
    // next one begins at once.
    const second = await (await newGate()).beginReading();
    expect(await db.query('test', `SELECT 1 FROM alerting.replay_marks WHERE node_id = 'g1'`)).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 1500));
    const copy = await republish(original);
    expect(await admit(second, copy)).toBe(false);
    const fresh = await publish(2);
    expect(await admit(second, fresh.seq)).toBe(true);
    // A new boot is taken; the old one, with a sequence never used, is refused.
    const newBoot = await publishStamped(3, { signedAt: Date.now(), boot: BOOT + 1, seq: 1 });
    expect(await admit(second, newBoot)).toBe(true);
    const oldBoot = await publishStamped(4, { signedAt: Date.now(), boot: BOOT, seq: seq + 50 });
    expect(await admit(second, oldBoot)).toBe(false);
  });

  it('prunes stored marks signed three skews ago, keeps recent ones: after a restart the copy is still refused', async () => {
    // Marks of nodes last heard an hour ago (beyond 3 × 5 min + 1 min), and one 10 min ago.
    await db.query(
      'test',
      `INSERT INTO alerting.replay_marks (node_id, boot, seq, stream_seq, signed_at)
         SELECT 'old-' || i, 1, 1, 1, now() - interval '1 hour' FROM generate_series(1, 30) AS i
         UNION ALL SELECT 'ten-min', 1, 1, 1, now() - interval '10 minutes'`,
    );
    boot = BOOT + 2;
    const pruned = () => (obs.registry.getSingleMetric('vigil_replay_marks_pruned_total') as Counter).get();
    const before = (await pruned()).values[0]?.value ?? 0;
    const first = await (await newGate()).beginReading();
    const original = await publish(10);
    expect(await admit(first, original.seq)).toBe(true);
    // The first write (within a second) prunes, then stores g1's mark.
    await eventually(async () => {
      const rows = await db.query<{ node_id: string }>(
        'test',
        `SELECT node_id FROM alerting.replay_marks ORDER BY node_id`,
      );
      expect(rows.map((r) => r.node_id)).toEqual(['', 'g1', 'ten-min']);
      return true;
    });
    expect((await pruned()).values[0].value - before).toBe(30);
    // A restart: the copy of g1's batch is refused, a fresh one taken.
    await gates[gates.length - 1].endReading();
    const second = await (await newGate()).beginReading();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await admit(second, await republish(original))).toBe(false);
    expect(await admit(second, (await publish(11)).seq)).toBe(true);
  });

  async function publishStamped(value: number, s: MessageStamp): Promise<number> {
    seq++;
    const m = sampleBatchMessage(testBus.topology, {
      nodeId: 'g1',
      seq,
      timestamp: Date.now(),
      intervalMs: 1000,
      samples: [{ name: 'cpu', labels: {}, value }],
    });
    const h = headers();
    for (const [name, v] of Object.entries(signMessage(keys.privateKey, m, s))) h.set(name, v);
    return (await testBus.js.publish(m.subject, m.data, { msgID: m.msgId, headers: h })).seq;
  }
});
