import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { createTopology, DlqHeaders } from '@vigil/contracts';
import { Counter, Registry } from 'prom-client';
import { DeadLetters } from './dlq';

describe('DeadLetters.parkMessage', () => {
  it('publishes the original bytes and headers with the reason and provenance, once per delivery', async () => {
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
    expect(opts.headers.get('Nats-Msg-Id')).toBe('n1:7');
    expect(opts.headers.values('X-Many')).toEqual(['a', 'b']);
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
});
