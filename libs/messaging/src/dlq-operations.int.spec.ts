import { headers } from '@nats-io/nats-core';
import { BusyError, DLQ_SHOW_MAX_BYTES, DlqHeaders } from '@vigil/contracts';
import { createTestBus, type TestBus } from '@vigil/test-support';
import pino from 'pino';
import { Counter } from 'prom-client';
import { DeadLetters } from './dlq';
import { DlqOperations, type ParkedMessage, type RedriveHandler, type RedriveResult } from './dlq-operations';

jest.setTimeout(30_000);

/** DlqOperations on a real JetStream DLQ stream (own prefix): what list, show, redrive and purge do. */
describe('DlqOperations', () => {
  let bus: TestBus;
  const logger = pino({ level: 'silent' });
  const counter = new Counter({ name: 'parked', help: 'h', labelNames: ['service', 'reason'], registers: [] });
  let mine: DeadLetters;
  let theirs: DeadLetters;
  /** What the handler does next, per original stream sequence. */
  const behaviour = new Map<number, () => Promise<RedriveResult>>();
  const seen: ParkedMessage[] = [];
  const handler: RedriveHandler = {
    accepts: (p) => p.originalSubject.includes('.telemetry.samples.'),
    redrive: async (p) => {
      seen.push(p);
      const next = behaviour.get(p.streamSeq);
      if (!next) throw new Error('no behaviour');
      return next();
    },
  };
  let ops: DlqOperations;
  let theirOps: DlqOperations;
  const s = (rest: string) => `${bus.topology.prefix}.${rest}`;

  async function park(
    dlq: DeadLetters,
    streamSeq: number,
    subject: string,
    data: Uint8Array,
    reason: 'invalid_payload' | 'identity_mismatch' = 'invalid_payload',
  ) {
    const h = headers();
    h.set('Nats-Expected-Stream', bus.topology.streams.telemetry);
    h.set('X-Sig', `sig-${streamSeq}`);
    await dlq.parkMessage(
      { subject, data, headers: h, seq: streamSeq, info: { timestampNanos: 1_700_000_000_000 * 1e6 } },
      reason,
      `detail ${streamSeq}`,
      bus.topology.streams.telemetry,
      { consumer: 'test-consumer' },
    );
  }

  beforeAll(async () => {
    bus = await createTestBus();
    mine = new DeadLetters(bus.js, bus.topology, 'metrics-svc', counter);
    theirs = new DeadLetters(bus.js, bus.topology, 'alert-svc', counter);
    ops = new DlqOperations(bus.jsm, bus.topology, 'metrics-svc', mine, [handler], logger);
    theirOps = new DlqOperations(bus.jsm, bus.topology, 'alert-svc', theirs, [], logger);
    await park(mine, 1, s('telemetry.samples.0.n1'), Buffer.from('{"nodeId":"n1"}'));
    await park(theirs, 2, s('telemetry.samples.0.n1'), Buffer.from('{"theirs":true}'));
    await park(mine, 3, s('telemetry.samples.1.n2'), Buffer.from([0, 1, 2, 255]), 'identity_mismatch');
    await park(mine, 4, s('events.node.n3'), Buffer.from('not json'));
    await park(mine, 5, s('telemetry.samples.2.n4'), Buffer.alloc(DLQ_SHOW_MAX_BYTES + 10, 'a'));
  });
  afterAll(() => bus.close());

  it('lists its own messages only, filtered by reason and subject pattern, page by page', async () => {
    const all = await ops.list({ limit: 50 });
    expect(all.entries.map((e) => e.streamSeq)).toEqual([1, 3, 4, 5]);
    expect(all.next).toBeUndefined();
    expect(all.entries[0]).toMatchObject({
      service: 'metrics-svc',
      reason: 'invalid_payload',
      detail: 'detail 1',
      originalSubject: s('telemetry.samples.0.n1'),
      stream: bus.topology.streams.telemetry,
      consumer: 'test-consumer',
      storedAt: new Date(1_700_000_000_000).toISOString(),
      redrives: 0,
      size: 15,
    });
    expect((await ops.list({ reason: 'identity_mismatch', limit: 50 })).entries.map((e) => e.streamSeq)).toEqual([3]);
    expect((await ops.list({ subject: 'telemetry.samples.*.n1', limit: 50 })).entries.map((e) => e.streamSeq)).toEqual([
      1,
    ]);
    expect((await ops.list({ subject: 'events.>', limit: 50 })).entries.map((e) => e.streamSeq)).toEqual([4]);
    const first = await ops.list({ limit: 2 });
    expect(first.entries.map((e) => e.streamSeq)).toEqual([1, 3]);
    const second = await ops.list({ limit: 2, after: first.next });
    expect(second.entries.map((e) => e.streamSeq)).toEqual([4, 5]);
    expect((await theirOps.list({ limit: 50 })).entries.map((e) => e.streamSeq)).toEqual([2]);
  });

  it('shows the payload safely (JSON, base64, text cut to the cap) and the original headers, never another service’s', async () => {
    const [json, binary, , big] = (await ops.list({ limit: 50 })).entries;
    const shown = await ops.show({ seq: json.seq });
    expect(shown.payload).toEqual({ encoding: 'json', data: { nodeId: 'n1' }, truncated: false });
    expect(shown.headers['X-Sig']).toEqual(['sig-1']);
    expect(shown.headers['Nats-Expected-Stream']).toEqual([bus.topology.streams.telemetry]);
    expect((await ops.show({ seq: binary.seq })).payload).toEqual({
      encoding: 'base64',
      data: Buffer.from([0, 1, 2, 255]).toString('base64'),
      truncated: false,
    });
    const cut = (await ops.show({ seq: big.seq })).payload;
    expect([cut.encoding, (cut.data as string).length, cut.truncated]).toEqual(['utf8', DLQ_SHOW_MAX_BYTES, true]);
    const other = (await theirOps.list({ limit: 1 })).entries[0];
    await expect(ops.show({ seq: other.seq })).rejects.toMatchObject({ type: 'not_found' });
    expect(await ops.purge({ seqs: [other.seq], actor: 'user:admin' })).toMatchObject({
      results: [{ seq: other.seq, outcome: 'not_found' }],
    });
    expect((await theirOps.list({ limit: 50 })).entries).toHaveLength(1);
  });

  it('redrives: applied leaves the DLQ; an infrastructure failure leaves it parked; refused again it is parked again with one more redrive; no handler: unsupported', async () => {
    const byStream = async () => new Map((await ops.list({ limit: 50 })).entries.map((e) => [e.streamSeq, e] as const));
    let parked = await byStream();
    behaviour.set(1, async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    });
    behaviour.set(3, async () => ({ outcome: 'refused', reason: 'identity_mismatch', detail: 'still not enrolled' }));
    behaviour.set(5, async () => ({ outcome: 'applied' }));
    const reply = await ops.redrive({ seqs: [1, 3, 4, 5].map((n) => parked.get(n)!.seq), actor: 'user:admin' });
    expect(reply.results.map((r) => [r.outcome, r.detail])).toEqual([
      ['failed', 'connect ECONNREFUSED 127.0.0.1:5432'],
      ['reparked', 'identity_mismatch: still not enrolled'],
      ['unsupported', `metrics-svc has no redrive for ${s('events.node.n3')}`],
      ['redriven', undefined],
    ]);
    // The handler got the original back: subject, headers (control ones inert), sequence, time.
    const three = seen.find((p) => p.streamSeq === 3)!;
    expect([three.originalSubject, three.headers.get('X-Sig'), three.storedAt]).toEqual([
      s('telemetry.samples.1.n2'),
      'sig-3',
      new Date(1_700_000_000_000).toISOString(),
    ]);
    const after = await byStream();
    expect([...after.keys()].sort()).toEqual([1, 3, 4]);
    expect(after.get(1)!.seq).toBe(parked.get(1)!.seq);
    expect(after.get(3)).toMatchObject({ redrives: 1, reason: 'identity_mismatch', detail: 'still not enrolled' });
    expect(after.get(3)!.seq).toBeGreaterThan(parked.get(3)!.seq);
    const copy = await bus.jsm.streams.getMessage(bus.topology.streams.dlq, { seq: after.get(3)!.seq });
    expect(copy!.header.get(DlqHeaders.redrives)).toBe('1');
    expect([...copy!.header.keys()].filter((k) => /^nats-/i.test(k))).toEqual(['Nats-Msg-Id']);

    // All matching, with a handler that always refuses: each message once, none taken twice.
    seen.length = 0;
    behaviour.set(1, async () => ({ outcome: 'refused', reason: 'invalid_payload', detail: 'again' }));
    const all = await ops.redrive({ all: true, filter: { subject: 'telemetry.>' }, actor: 'user:admin' });
    expect(all.results.map((r) => r.outcome)).toEqual(['reparked', 'reparked']);
    expect(all.more).toBe(false);
    expect(seen.map((p) => [p.streamSeq, p.redrives])).toEqual([
      [1, 0],
      [3, 1],
    ]);
    parked = await byStream();
    expect([parked.get(1)!.redrives, parked.get(3)!.redrives]).toEqual([1, 2]);

    // Two purges of the same messages at once: both done, neither fails.
    const seqs = (await ops.list({ limit: 50 })).entries.map((e) => e.seq);
    const both = await Promise.all([
      ops.purge({ seqs, actor: 'user:admin' }),
      ops.purge({ seqs, actor: 'user:admin' }),
    ]);
    for (const r of both)
      expect(r.results.every((x) => x.outcome === 'purged' || x.outcome === 'not_found')).toBe(true);
    expect(both.flatMap((r) => r.results).filter((x) => x.outcome === 'purged').length).toBeGreaterThanOrEqual(3);
    expect((await ops.list({ limit: 50 })).entries).toEqual([]);
    expect((await theirOps.list({ limit: 50 })).entries).toHaveLength(1);
  });

  it('runs one redrive at a time (busy meanwhile) and stops taking messages when its time budget is spent', async () => {
    const dlq = new DeadLetters(bus.js, bus.topology, 'registry-svc', counter);
    const taken: number[] = [];
    const slow: RedriveHandler = {
      accepts: () => true,
      // Each message's handling takes 60 ms (a handler waiting on its database).
      redrive: async (p) => {
        taken.push(p.streamSeq);
        await new Promise((r) => setTimeout(r, 60));
        return { outcome: 'applied' };
      },
    };
    const bounded = new DlqOperations(bus.jsm, bus.topology, 'registry-svc', dlq, [slow], logger, {
      budgetMs: 150,
      retryAfterSeconds: 2,
    });
    for (let i = 1; i <= 8; i++) await park(dlq, 100 + i, s(`telemetry.heartbeat.n${i}`), Buffer.from('{}'));

    const first = bounded.redrive({ all: true, actor: 'user:admin' });
    const second = bounded.redrive({ all: true, actor: 'user:other' });
    await expect(second).rejects.toThrow(BusyError);
    await expect(second).rejects.toMatchObject({ retryAfterSeconds: 2 });
    const reply = await first;
    // Taken at 0 and 60 ms (120 ms when the machine is slow), none after 150 ms: answered well
    // before the 480 ms all eight take, with the number left.
    const done = reply.results.length;
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThanOrEqual(3);
    expect(reply.results.every((r) => r.outcome === 'redriven')).toBe(true);
    expect([reply.more, reply.remaining]).toEqual([true, 8 - done]);
    expect((await bounded.list({ limit: 50 })).entries).toHaveLength(8 - done);

    // Done, the process takes the next redrive, which goes on with the rest; each once, in order.
    let rounds = 1;
    for (let r = reply; r.more; rounds++) r = await bounded.redrive({ all: true, actor: 'user:admin' });
    expect(rounds).toBeGreaterThanOrEqual(3);
    expect(taken).toEqual([101, 102, 103, 104, 105, 106, 107, 108]);
    expect((await bounded.list({ limit: 50 })).entries).toEqual([]);
  });
});
