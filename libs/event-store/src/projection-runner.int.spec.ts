import { DlqHeaders, type NodeEvent, nodeEvents } from '@vigil/contracts';
import { DeadLetters } from '@vigil/messaging';
import { createTestBus, createTestDatabase, eventually, type TestBus, type TestDatabase } from '@vigil/test-support';
import pino from 'pino';
import { Counter, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { EventStore } from './event-store';
import { type Projection, ProjectionAheadOfStream, ProjectionRunner } from './projection-runner';

const meta = { correlationId: 'c', causationId: null, actor: 'service:test' };
jest.setTimeout(30_000);

/** A read model that records every application, so a double apply shows. */
const applications: Projection<NodeEvent> = {
  name: 'test-applications',
  catalog: nodeEvents,
  async apply(event, tx) {
    await tx.query('INSERT INTO t.applied (seq, node_id, type) VALUES ($1, $2, $3)', [
      event.seq,
      event.data.nodeId,
      event.type,
    ]);
  },
  async reset(tx) {
    await tx.query('TRUNCATE t.applied');
  },
};

describe('ProjectionRunner', () => {
  let bus: TestBus;
  let db: TestDatabase;
  let ds: DataSource;
  let store: EventStore<NodeEvent>;
  const logger = pino({ level: 'silent' });
  const dlqCounter = new Counter({
    name: 'dlq_test_total',
    help: 'x',
    labelNames: ['service', 'reason'],
    registers: [new Registry()],
  });

  const runner = (projection: Projection<NodeEvent> = applications, onStreamReset?: 'refuse' | 'rebuild') =>
    new ProjectionRunner(
      {
        js: bus.js,
        dataSource: ds,
        checkpointTable: 't.checkpoints',
        stream: bus.topology.streams.events,
        filterSubject: bus.topology.subjects.eventsOf('node'),
        dlq: new DeadLetters(bus.js, bus.topology, 'projection-test', dlqCounter),
        logger,
        onStreamReset,
      },
      projection,
    );
  const applied = async () =>
    (await ds.query('SELECT seq::int AS seq FROM t.applied ORDER BY seq')).map((r: { seq: number }) => r.seq);

  beforeAll(async () => {
    bus = await createTestBus();
    db = await createTestDatabase();
    ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
    await ds.query('CREATE SCHEMA t');
    await ds.query(
      'CREATE TABLE t.checkpoints (projection text PRIMARY KEY, last_seq bigint NOT NULL, updated_at timestamptz NOT NULL)',
    );
    await ds.query('CREATE TABLE t.applied (seq bigint PRIMARY KEY, node_id text NOT NULL, type text NOT NULL)');
    store = new EventStore(bus.js, bus.jsm, bus.topology, 'node', nodeEvents);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
    await bus.close();
  });

  it('applies each event once across two replicas, restarts, a poison event and a rebuild', async () => {
    const a = runner();
    const b = runner();
    await Promise.all([a.start(), b.start()]);
    let expected: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await store.append(
        `n${i}`,
        [{ type: 'node.registered', data: { nodeId: `n${i}`, hostname: 'h', labels: {}, agentVersion: '1' } }],
        0,
        meta,
      );
      expected.push(r.lastSeq);
    }
    await eventually(async () => (await applied()).length === 20 || undefined, { what: '20 applications' });
    expect(await applied()).toEqual(expected);

    // A poison event on the stream: parked with its reason, skipped, and the next one still applies.
    const poison = await bus.js.publish(
      bus.topology.subjects.events('node', 'bad'),
      Buffer.from('{"type":"node.registered"}'),
    );
    await a.stop();
    const next = await store.append(
      'n99',
      [{ type: 'node.registered', data: { nodeId: 'n99', hostname: 'h', labels: {}, agentVersion: '1' } }],
      0,
      meta,
    );
    expected = [...expected, next.lastSeq];
    await b.waitFor(next.lastSeq);
    expect(await applied()).toEqual(expected);
    const parked = await bus.jsm.streams.getMessage(bus.topology.streams.dlq, {
      last_by_subj: bus.topology.subjects.dlq('projection-test'),
    });
    expect(parked!.header.get(DlqHeaders.streamSeq)).toBe(String(poison.seq));
    expect(parked!.header.get(DlqHeaders.reason)).toMatch(/^invalid_payload: invalid event: id: /);

    // A restarted replica resumes from the stored checkpoint without re-applying.
    const c = runner();
    await c.start();
    await c.waitFor(next.lastSeq);
    expect(await applied()).toEqual(expected);

    // Rebuild on one replica; the other notices the checkpoint moved back and follows.
    await c.rebuild();
    await c.waitFor(next.lastSeq);
    await eventually(async () => (await applied()).length === expected.length || undefined, {
      what: 'the rebuilt model',
    });
    const more = await store.append(
      'n100',
      [{ type: 'node.registered', data: { nodeId: 'n100', hostname: 'h', labels: {}, agentVersion: '1' } }],
      0,
      meta,
    );
    await Promise.all([b.waitFor(more.lastSeq), c.waitFor(more.lastSeq)]);
    expect(await applied()).toEqual([...expected, more.lastSeq]);
    await Promise.all([b.stop(), c.stop()]);
  });

  it('calls afterCommit once the event is committed, so a cache dropped there cannot refill with the old row', async () => {
    const seenAfterCommit: boolean[] = [];
    const other = await new DataSource({ type: 'postgres', url: db.url }).initialize();
    const committed: Projection<NodeEvent> = {
      ...applications,
      name: 'test-after-commit',
      apply: async (event, tx) => {
        await tx.query('INSERT INTO t.applied (seq, node_id, type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
          event.seq,
          event.data.nodeId,
          'after-commit',
        ]);
      },
      afterCommit: (event) => {
        // Another connection must already see the row the transaction wrote.
        void other
          .query('SELECT 1 FROM t.applied WHERE seq = $1', [event.seq])
          .then((rows: unknown[]) => seenAfterCommit.push(rows.length === 1));
      },
    };
    const r = runner(committed);
    const last = await store.append(
      'n200',
      [{ type: 'node.registered', data: { nodeId: 'n200', hostname: 'h', labels: {}, agentVersion: '1' } }],
      0,
      meta,
    );
    await r.start();
    await r.waitFor(last.lastSeq);
    await eventually(() => seenAfterCommit.length >= 1 || undefined, { what: 'afterCommit calls' });
    await r.stop();
    await other.destroy();
    expect(seenAfterCommit.length).toBeGreaterThan(0);
    expect(seenAfterCommit.every(Boolean)).toBe(true);
  });

  it('calls afterCommit on every replica, also on one that found the event applied by another', async () => {
    const heard: Record<string, number[]> = { a: [], b: [] };
    const listening = (name: 'a' | 'b'): Projection<NodeEvent> => ({
      ...applications,
      name: 'test-every-replica',
      apply: async (event, tx) => {
        await tx.query('INSERT INTO t.applied (seq, node_id, type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
          event.seq,
          event.data.nodeId,
          name,
        ]);
      },
      afterCommit: (event) => heard[name].push(event.seq),
    });
    const [a, b] = [runner(listening('a')), runner(listening('b'))];
    await Promise.all([a.start(), b.start()]);
    const events = [];
    for (let i = 0; i < 5; i++) {
      const id = `n3${i}`;
      events.push(
        await store.append(
          id,
          [{ type: 'node.registered', data: { nodeId: id, hostname: 'h', labels: {}, agentVersion: '1' } }],
          0,
          meta,
        ),
      );
    }
    const seqs = events.map((e) => e.lastSeq);
    await Promise.all([a.waitFor(seqs.at(-1)!), b.waitFor(seqs.at(-1)!)]);
    await Promise.all([a.stop(), b.stop()]);
    // Both heard this test's events (and the earlier tests' ones, a new projection starting at 0).
    expect(heard.a.filter((seq) => seqs.includes(seq))).toEqual(seqs);
    expect(heard.b.filter((seq) => seqs.includes(seq))).toEqual(seqs);
    // Each applied once, by one or the other.
    const rows = await ds.query('SELECT seq::int AS seq FROM t.applied WHERE seq = ANY($1)', [seqs]);
    expect(rows).toHaveLength(5);
  });

  it('refuses to start when its checkpoint is past the end of the stream, or rebuilds when told to', async () => {
    // A read model kept while the stream was replaced (a new store, another bus): its checkpoint
    // says it applied sequences the stream has not reached, so new events would be skipped.
    const reset: Projection<NodeEvent> = {
      ...applications,
      name: 'test-stream-reset',
      apply: async (event, tx) => {
        await tx.query('INSERT INTO t.applied (seq, node_id, type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
          event.seq,
          event.data.nodeId,
          'reset',
        ]);
      },
      reset: async (tx) => {
        await tx.query("DELETE FROM t.applied WHERE type = 'reset'");
      },
    };
    const { state } = await bus.jsm.streams.info(bus.topology.streams.events);
    const ahead = state.last_seq + 1000;
    await ds.query('INSERT INTO t.checkpoints (projection, last_seq, updated_at) VALUES ($1, $2, now())', [
      reset.name,
      ahead,
    ]);
    await ds.query("INSERT INTO t.applied (seq, node_id, type) VALUES ($1, 'stale', 'reset')", [ahead]);

    const refused = runner(reset).start();
    await expect(refused).rejects.toBeInstanceOf(ProjectionAheadOfStream);
    await expect(refused).rejects.toThrow(
      `projection test-stream-reset has applied up to sequence ${ahead}, but stream ${bus.topology.streams.events} ends at ${state.last_seq}`,
    );

    const rebuilt = runner(reset, 'rebuild');
    await rebuilt.start();
    const fresh = await store.append(
      'n400',
      [{ type: 'node.registered', data: { nodeId: 'n400', hostname: 'h', labels: {}, agentVersion: '1' } }],
      0,
      meta,
    );
    await rebuilt.waitFor(fresh.lastSeq);
    await rebuilt.stop();
    const rows: { seq: number; node_id: string }[] = await ds.query(
      "SELECT seq::int AS seq, node_id FROM t.applied WHERE type = 'reset' ORDER BY seq",
    );
    // The stale row is gone, the checkpoint followed the stream again, and the new event was applied.
    expect(rows.map((r) => r.node_id)).not.toContain('stale');
    expect(rows.at(-1)).toEqual({ seq: fresh.lastSeq, node_id: 'n400' });
    const [checkpoint] = await ds.query('SELECT last_seq::int AS seq FROM t.checkpoints WHERE projection = $1', [
      reset.name,
    ]);
    expect(checkpoint.seq).toBe(fresh.lastSeq);
  });
});
