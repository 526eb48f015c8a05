import { randomUUID } from 'node:crypto';
import { headers } from '@nats-io/nats-core';
import { defineEvent, type DomainEvent, EventCatalog, z } from '@vigil/contracts';
import type { Projection } from '@vigil/event-store';
import type { ParkedMessage } from '@vigil/messaging';
import { createLogger } from '@vigil/telemetry';
import { createTestDatabase, type TestDatabase } from '@vigil/test-support';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { loadConfig } from './config';
import { Database, Observability } from './infra';
import { projectionRedrive, RedriveLedger, rereadRedrive } from './redrive-ledger';

jest.setTimeout(60_000);

class ThingsInit1766300200000 implements MigrationInterface {
  name = 'ThingsInit1766300200000';
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE things.items (id text PRIMARY KEY, size int NOT NULL, seq bigint NOT NULL)');
    await q.query(`
      CREATE TABLE things.dlq_redriven (
        stream text NOT NULL, stream_seq bigint NOT NULL, dlq_seq bigint NOT NULL, actor text NOT NULL,
        redriven_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (stream, stream_seq))`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE things.items, things.dlq_redriven');
  }
}

/** The event a newer writer appends: the old reader's catalog does not know it, the upgraded one does. */
const ItemAdded = defineEvent('thing.item_added', {
  version: 1,
  schema: z.object({ id: z.string(), size: z.number() }),
});
type ItemAdded = DomainEvent<'thing.item_added', { id: string; size: number }>;

function itemsProjection(catalog: EventCatalog<ItemAdded>, seen: string[]): Projection<ItemAdded> {
  return {
    name: 'things-items',
    catalog,
    async apply(e, tx) {
      // Additive on purpose: a second application would show as a doubled size.
      await tx.query(
        `INSERT INTO things.items (id, size, seq) VALUES ($1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET size = things.items.size + excluded.size`,
        [e.data.id, e.data.size, e.seq],
      );
    },
    afterCommit: (e) => seen.push(e.data.id),
    async reset(tx) {
      await tx.query('DELETE FROM things.items');
    },
  };
}

/**
 * The redrive of an event a projection parked, on a real Postgres: refused while the reader
 * cannot read it (parked again, nothing recorded), applied once to the read model after the
 * upgrade (with who asked), never twice (a copy left behind, two redrives at once), and a
 * failure of the apply (the read model's table gone) records nothing.
 */
describe('projectionRedrive with RedriveLedger (real Postgres)', () => {
  let tdb: TestDatabase;
  let db: Database;
  let ledger: RedriveLedger;
  let dlqSeq = 100;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    const obs = new Observability('test-svc', createLogger({ service: 'test-svc', level: 'silent' }));
    const config = loadConfig('test-svc', 'TEST_PORT', 0, z.object({}), { DATABASE_URL: tdb.url });
    db = await Database.connect(config, obs, { schema: 'things', migrations: [ThingsInit1766300200000] });
    ledger = new RedriveLedger(db, 'things');
  });
  afterAll(async () => {
    await db?.dataSource.destroy();
    await db?.queryDataSource?.destroy();
    await tdb?.drop();
  });

  const parked = (streamSeq: number, data: unknown, consumer = 'projection things-items'): ParkedMessage => ({
    seq: ++dlqSeq,
    service: 'test-svc',
    reason: 'invalid_payload',
    detail: 'unknown event type "thing.item_added"',
    originalSubject: `events.thing.${streamSeq}`,
    stream: 'EVENTS',
    streamSeq,
    consumer,
    parkedAt: new Date().toISOString(),
    redrives: 0,
    size: 0,
    headers: headers(),
    data: Buffer.from(JSON.stringify(data)),
  });
  const envelope = (id: string, size: number) => ({
    id: randomUUID(),
    type: 'thing.item_added',
    version: 1,
    subject: `thing.${id}`,
    occurredAt: new Date().toISOString(),
    data: { id, size },
    meta: { correlationId: 'c', causationId: null, actor: 'service:test' },
  });
  const items = async () =>
    await db.query<{ id: string; size: number; seq: string }>('items', 'SELECT * FROM things.items ORDER BY id');
  const records = async () =>
    await db.query<{ stream_seq: string; actor: string }>(
      'records',
      'SELECT stream_seq, actor FROM things.dlq_redriven ORDER BY stream_seq',
    );
  const admin = { actor: 'user:admin' };

  it('refuses while the reader cannot read the event, applies it once after the upgrade, never twice', async () => {
    const seen: string[] = [];
    const old = projectionRedrive(itemsProjection(new EventCatalog<ItemAdded>([]), seen), 'EVENTS', ledger);
    const upgraded = projectionRedrive(
      itemsProjection(new EventCatalog<ItemAdded>([ItemAdded]), seen),
      'EVENTS',
      ledger,
    );
    const p = parked(7, envelope('a', 5));
    expect(upgraded.accepts(p)).toBe(true);
    expect(upgraded.accepts(parked(7, envelope('a', 5), 'feed thing'))).toBe(false);
    expect(upgraded.accepts({ ...p, stream: 'TELEMETRY' })).toBe(false);

    expect(await old.redrive(p, admin)).toEqual({
      outcome: 'refused',
      reason: 'invalid_payload',
      detail: 'unknown event type "thing.item_added"',
    });
    expect([await items(), await records()]).toEqual([[], []]);

    expect(await upgraded.redrive(p, admin)).toEqual({ outcome: 'applied' });
    expect(await items()).toEqual([{ id: 'a', size: 5, seq: '7' }]);
    expect(await records()).toEqual([{ stream_seq: '7', actor: 'user:admin' }]);
    expect(seen).toEqual(['a']);
    // The same original, its copy parked again or left behind by a crash: not applied again.
    expect(await upgraded.redrive({ ...p, seq: ++dlqSeq, redrives: 1 }, admin)).toEqual({ outcome: 'already_applied' });
    expect(await items()).toEqual([{ id: 'a', size: 5, seq: '7' }]);
    expect(seen).toEqual(['a']);

    // Still not an event at all: refused with the reason, whoever reads it.
    expect(await upgraded.redrive(parked(8, { not: 'an event' }), admin)).toMatchObject({
      outcome: 'refused',
      reason: 'invalid_payload',
      detail: expect.stringMatching(/^invalid event: id: /),
    });
  });

  it('two redrives of one message at once apply it once; a failed apply records nothing', async () => {
    const handler = projectionRedrive(itemsProjection(new EventCatalog<ItemAdded>([ItemAdded]), []), 'EVENTS', ledger);
    const p = parked(9, envelope('b', 3));
    const both = await Promise.all([handler.redrive(p, admin), handler.redrive({ ...p, seq: ++dlqSeq }, admin)]);
    expect(both.map((r) => r.outcome).sort()).toEqual(['already_applied', 'applied']);
    expect((await items()).find((i) => i.id === 'b')).toEqual({ id: 'b', size: 3, seq: '9' });

    // The read model's table is gone (a fault of the service): the redrive throws, nothing is recorded.
    await db.query('rename', 'ALTER TABLE things.items RENAME TO items_away');
    const q = parked(10, envelope('c', 1));
    await expect(handler.redrive(q, admin)).rejects.toThrow(/things\.items/);
    expect((await records()).map((r) => r.stream_seq)).toEqual(['7', '9']);
    // Fixed: the same message is applied.
    await db.query('rename', 'ALTER TABLE things.items_away RENAME TO items');
    expect(await handler.redrive(q, admin)).toEqual({ outcome: 'applied' });
    expect((await items()).find((i) => i.id === 'c')).toEqual({ id: 'c', size: 1, seq: '10' });
  });

  it("an in-memory reader's event: refused while it does not read, recorded and already_applied once it does", async () => {
    const before = (await records()).length;
    const old = rereadRedrive({}, 'EVENTS', ledger);
    const upgraded = rereadRedrive(
      { thing: new EventCatalog<ItemAdded>([ItemAdded]) } as Record<string, EventCatalog<DomainEvent>>,
      'EVENTS',
      ledger,
    );
    const p = parked(11, envelope('d', 2), 'feed thing');
    // No reader of that context in this service: not this handler's (the redrive answers unsupported).
    expect(old.accepts(p)).toBe(false);
    expect(upgraded.accepts(p)).toBe(true);
    expect(upgraded.accepts(parked(11, envelope('d', 2)))).toBe(false);
    expect(await upgraded.redrive(parked(12, { not: 'an event' }, 'reader thing'), admin)).toMatchObject({
      outcome: 'refused',
      reason: 'invalid_payload',
    });
    expect(await upgraded.redrive(p, admin)).toEqual({ outcome: 'already_applied' });
    // Recorded with who asked; the read model of no projection touched.
    expect((await records()).slice(before)).toEqual([{ stream_seq: '11', actor: 'user:admin' }]);
    expect((await items()).find((i) => i.id === 'd')).toBeUndefined();
  });
});
