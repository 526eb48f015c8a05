import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { createTopology, DlqHeaders } from '@vigil/contracts';
import { Counter, Registry } from 'prom-client';
import { DeadLetters, DlqParkError, headerBytes, originalHeadersOf } from './dlq';

describe('DeadLetters.parkMessage', () => {
  it('publishes the original bytes with the reason and provenance, the original headers inert under a prefix, once per delivery', async () => {
    const published: {
      subject: string;
      data: Uint8Array;
      opts: { headers: ReturnType<typeof headers>; msgID: string };
    }[] = [];
    const js = {
      publish: async (subject: string, data: Uint8Array, opts: never) => void published.push({ subject, data, opts }),
    } as unknown as JetStreamClient;
    const registry = new Registry();
    const counter = new Counter({
      name: 'parked',
      help: 'h',
      labelNames: ['service', 'reason'],
      registers: [registry],
    });
    const original = headers();
    original.append('Nats-Msg-Id', 'n1:7');
    original.append('Nats-Expected-Stream', 'TELEMETRY');
    original.append('Nats-Expected-Last-Sequence', '1');
    original.append('Nats-Expected-Last-Subject-Sequence', '1');
    original.append('Nats-Expected-Last-Msg-Id', 'x');
    original.append('Nats-Rollup', 'all');
    original.append('Nats-TTL', '1s');
    original.append('Vigil-Dlq-Redrives', '99');
    original.append('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    original.append('X-Many', 'a');
    original.append('X-Many', 'b');
    const data = Buffer.from('{not json');
    const dlq = new DeadLetters(js, createTopology('t9'), 'metrics-svc', counter);

    await dlq.parkMessage(
      { subject: 't9.telemetry.samples.3.n1', data, headers: original, seq: 42 },
      'invalid_payload',
      'not JSON',
      'T9_TELEMETRY',
    );

    expect(published).toHaveLength(1);
    const [{ subject, data: body, opts }] = published;
    expect(subject).toBe('t9.dlq.metrics-svc');
    expect(body).toBe(data);
    expect(opts.msgID).toBe('dlq:metrics-svc:T9_TELEMETRY:42');
    // No header the server would interpret on the DLQ publish; each kept, inert, under the prefix.
    expect([...opts.headers.keys()].filter((k) => /^nats-/i.test(k))).toEqual([]);
    expect(opts.headers.get('Vigil-Dlq-Orig-Nats-Msg-Id')).toBe('n1:7');
    expect(opts.headers.get('Vigil-Dlq-Orig-Nats-Expected-Stream')).toBe('TELEMETRY');
    expect(opts.headers.values('Vigil-Dlq-Orig-X-Many')).toEqual(['a', 'b']);
    // A sender's own provenance header is never taken for ours.
    expect(opts.headers.has(DlqHeaders.redrives)).toBe(false);
    // The copy belongs to the original's trace.
    expect(opts.headers.get('traceparent')).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect([...originalHeadersOf(opts.headers).keys()]).toEqual(expect.arrayContaining(['Nats-Msg-Id', 'X-Many']));
    expect(opts.headers.get(DlqHeaders.reason)).toBe('invalid_payload: not JSON');
    expect(opts.headers.get(DlqHeaders.originalSubject)).toBe('t9.telemetry.samples.3.n1');
    expect(opts.headers.get(DlqHeaders.service)).toBe('metrics-svc');
    expect(opts.headers.get(DlqHeaders.stream)).toBe('T9_TELEMETRY');
    expect(opts.headers.get(DlqHeaders.streamSeq)).toBe('42');
    expect(Date.parse(opts.headers.get(DlqHeaders.parkedAt))).not.toBeNaN();
    expect((await registry.getSingleMetric('parked')!.get()).values).toEqual([
      { value: 1, labels: { service: 'metrics-svc', reason: 'invalid_payload' } },
    ]);
  });

  it('cuts a long reason to 1024 characters', async () => {
    const published: { opts: { headers: ReturnType<typeof headers> } }[] = [];
    const js = {
      publish: async (_s: string, _d: Uint8Array, opts: never) => void published.push({ opts }),
    } as unknown as JetStreamClient;
    const counter = new Counter({ name: 'parked', help: 'h', labelNames: ['service', 'reason'], registers: [] });
    const dlq = new DeadLetters(js, createTopology(), 'alert-svc', counter);
    await dlq.parkMessage(
      { subject: 'events.alert.a', data: new Uint8Array(), headers: undefined, seq: 1 },
      'processing_failed',
      'x'.repeat(2000),
      'EVENTS',
    );
    expect(published[0].opts.headers.get(DlqHeaders.reason)).toHaveLength(1024);
  });

  it('backs off after a failed park (doubling, capped), counts each failure, and proceeds once parking works', async () => {
    let failing = true;
    const attempts: number[] = [];
    const js = {
      publish: async () => {
        attempts.push(performance.now());
        if (failing) throw new Error('no responders available for request');
      },
    } as unknown as JetStreamClient;
    const registry = new Registry();
    const parked = new Counter({ name: 'p', help: 'h', labelNames: ['service', 'reason'], registers: [registry] });
    const failures = new Counter({ name: 'f', help: 'h', labelNames: ['service', 'reason'], registers: [registry] });
    const errors: unknown[] = [];
    const logger = { error: (o: unknown) => errors.push(o), warn: () => undefined } as never;
    const dlq = new DeadLetters(js, createTopology(), 'metrics-svc', parked, {
      failures,
      logger,
      initialBackoffMs: 20,
      maxBackoffMs: 80,
    });
    const msg = { subject: 'telemetry.samples.0.n1', data: new Uint8Array(), headers: undefined, seq: 5 };
    // A consumer that re-reads the message and parks again at once, for one second.
    const until = performance.now() + 1000;
    let refused = 0;
    while (performance.now() < until) {
      await dlq.parkMessage(msg, 'invalid_payload', 'x', 'TELEMETRY').catch((e: unknown) => {
        expect(e).toBeInstanceOf(DlqParkError);
        refused++;
      });
    }
    // Without the backoff this loop makes tens of thousands of attempts; with it, ~1000/80 + the ramp.
    expect(refused).toBe(attempts.length);
    expect(attempts.length).toBeGreaterThanOrEqual(8);
    expect(attempts.length).toBeLessThanOrEqual(17);
    const gaps = attempts.slice(1, 5).map((t, i) => t - attempts[i]);
    expect(gaps.map((g, i) => g >= [20, 40, 80, 80][i] - 2)).toEqual([true, true, true, true]);
    expect(dlq.failuresInARow).toBe(attempts.length);
    expect((await registry.getSingleMetric('f')!.get()).values).toEqual([
      { value: attempts.length, labels: { service: 'metrics-svc', reason: 'no_stream' } },
    ]);
    expect(errors).toHaveLength(attempts.length);
    expect(errors[0]).toMatchObject({ alarm: 'dlq_park_failed', failure: 'no_stream', seq: 5 });
    failing = false;
    await dlq.parkMessage(msg, 'invalid_payload', 'x', 'TELEMETRY');
    expect(dlq.failuresInARow).toBe(0);
    expect((await registry.getSingleMetric('p')!.get()).values).toEqual([
      { value: 1, labels: { service: 'metrics-svc', reason: 'invalid_payload' } },
    ]);
  });

  it('stops waiting when closed (a shutdown is never held up by a failing DLQ)', async () => {
    const js = {
      publish: async () => {
        throw new Error('timeout');
      },
    } as unknown as JetStreamClient;
    const counter = new Counter({ name: 'c', help: 'h', labelNames: ['service', 'reason'], registers: [] });
    const dlq = new DeadLetters(js, createTopology(), 'alert-svc', counter, {
      initialBackoffMs: 60_000,
      maxBackoffMs: 60_000,
    });
    const msg = { subject: 's', data: new Uint8Array(), headers: undefined, seq: 1 };
    await expect(dlq.parkMessage(msg, 'invalid_payload', 'x', 'EVENTS')).rejects.toMatchObject({ failure: 'timeout' });
    const started = Date.now();
    const waiting = dlq.parkMessage(msg, 'invalid_payload', 'x', 'EVENTS');
    setTimeout(() => dlq.close(), 50);
    await expect(waiting).rejects.toMatchObject({ failure: 'closed' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps the copy within the server message size: original headers beyond a budget counted, a payload at the limit cut and said so', async () => {
    const published: { data: Uint8Array; opts: { headers: ReturnType<typeof headers> } }[] = [];
    const js = {
      publish: async (_s: string, data: Uint8Array, opts: never) => void published.push({ data, opts }),
    } as unknown as JetStreamClient;
    const counter = new Counter({ name: 'c2', help: 'h', labelNames: ['service', 'reason'], registers: [] });
    const max = 1024 * 1024;
    const dlq = new DeadLetters(js, createTopology('t9'), 'metrics-svc', counter, { maxPayload: () => max });
    const park = async (original: ReturnType<typeof headers>) => {
      // The original itself fits (headers and payload within max_payload).
      const data = new Uint8Array(max - headerBytes(original) - 10).fill(65);
      await dlq.parkMessage(
        { subject: 't9.telemetry.samples.0.n1', data, headers: original, seq: 9 },
        'invalid_payload',
        'too big',
        'T9_TELEMETRY',
      );
      const { data: body, opts } = published[published.length - 1];
      expect(headerBytes(opts.headers) + body.length + 200).toBeLessThanOrEqual(max);
      expect([...opts.headers.keys()].filter((k) => /^nats-/i.test(k))).toEqual([]);
      return { data, body, h: opts.headers };
    };
    // 40 kB of headers: those beyond the budget are counted, not copied.
    const many = headers();
    for (let i = 0; i < 40; i++) many.append(`X-Big-${i}`, 'v'.repeat(1000));
    many.append('Nats-Expected-Stream', 'TELEMETRY');
    const first = await park(many);
    expect(Number(first.h.get(DlqHeaders.droppedHeaders))).toBeGreaterThan(20);
    expect(first.h.get('Vigil-Dlq-Orig-X-Big-0')).toHaveLength(1000);
    // Headers within the budget and a payload at the limit: the copy's provenance would not fit, the payload is cut.
    const few = headers();
    for (let i = 0; i < 8; i++) few.append(`X-Big-${i}`, 'v'.repeat(1000));
    const second = await park(few);
    expect(second.h.has(DlqHeaders.droppedHeaders)).toBe(false);
    expect(second.h.get(DlqHeaders.truncated)).toBe(String(second.data.length));
    expect(second.body.length).toBeLessThan(second.data.length);
    expect(Buffer.from(second.body).equals(Buffer.from(second.data.subarray(0, second.body.length)))).toBe(true);
  });
});
