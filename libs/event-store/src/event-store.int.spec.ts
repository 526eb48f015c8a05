import { ConcurrencyError, type NodeEvent, nodeEvents, uuidv7 } from '@vigil/contracts';
import { createTestBus, type TestBus } from '@vigil/test-support';
import { EventStore } from './event-store';

const meta = { correlationId: 'c1', causationId: null, actor: 'service:test' };
const registered = (nodeId: string) =>
  ({ type: 'node.registered', data: { nodeId, hostname: 'h', labels: {}, agentVersion: '1' } }) as const;
const online = (nodeId: string) =>
  ({ type: 'node.online', data: { nodeId, lastSeenAt: new Date().toISOString() } }) as const;

describe('EventStore on JetStream', () => {
  let bus: TestBus;
  let store: EventStore<NodeEvent>;

  beforeAll(async () => {
    bus = await createTestBus();
    store = new EventStore(bus.js, bus.jsm, bus.topology, 'node', nodeEvents);
  });
  afterAll(() => bus.close());

  it('appends and reads back an aggregate in order, with stream sequences', async () => {
    expect(await store.read('a1')).toEqual({ events: [], lastSeq: 0 });
    const first = await store.append('a1', [registered('a1'), online('a1')], 0, meta);
    await store.append('a2', [registered('a2')], 0, meta);
    const { events, lastSeq } = await store.read('a1');
    expect(events.map((e) => e.type)).toEqual(['node.registered', 'node.online']);
    expect(lastSeq).toBe(first.lastSeq);
    expect(events[1].seq).toBe(first.lastSeq);
    expect(events[0].meta).toEqual(meta);
  });

  it('rejects an append against a stale expected sequence (optimistic concurrency)', async () => {
    const { lastSeq } = await store.append('c1', [registered('c1')], 0, meta);
    await store.append('c1', [online('c1')], lastSeq, meta);
    await expect(store.append('c1', [online('c1')], lastSeq, meta)).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.append('c1', [registered('c1')], 0, meta)).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await store.read('c1')).events).toHaveLength(2);
  });

  it('lets exactly one of two concurrent writers win', async () => {
    const { lastSeq } = await store.append('r1', [registered('r1')], 0, meta);
    const results = await Promise.allSettled([
      store.append('r1', [online('r1')], lastSeq, meta),
      store.append('r1', [online('r1')], lastSeq, meta),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ConcurrencyError)).toHaveLength(1);
  });

  it('upcasts an old event version when reading', async () => {
    const subject = store.subjectOf('old1');
    const v1 = {
      id: uuidv7(),
      type: 'node.registered',
      version: 1,
      subject: 'node.old1',
      occurredAt: new Date().toISOString(),
      data: { nodeId: 'old1', hostname: 'legacy' },
      meta,
    };
    await bus.js.publish(subject, Buffer.from(JSON.stringify(v1)), { msgID: v1.id });
    const [e] = (await store.read('old1')).events;
    expect(e.version).toBe(2);
    expect(e.data).toEqual({ nodeId: 'old1', hostname: 'legacy', labels: {}, agentVersion: 'unknown' });
  });

  it('refuses to write data that breaks the event schema', async () => {
    await expect(
      store.append('bad', [{ type: 'node.online', data: { nodeId: 'bad', lastSeenAt: 'yesterday' } }], 0, meta),
    ).rejects.toThrow(/invalid node.online data: lastSeenAt/);
  });
});
