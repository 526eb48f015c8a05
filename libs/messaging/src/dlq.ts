import { type DlqReason, DlqHeaders, type Topology } from '@vigil/contracts';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { injectTraceHeaders } from '@vigil/telemetry';
import type { Counter } from 'prom-client';

/** What parking keeps of a JetStream message: its subject, bytes, headers and stream sequence. */
export type ParkableMessage = Pick<JsMsg, 'subject' | 'data' | 'headers' | 'seq'>;

/**
 * Parks a message the service cannot accept in `dlq.<service>`: the original bytes,
 * with the reason and provenance in headers. The DLQ publish is a JetStream publish
 * with a message id derived from the origin, so parking the same delivery twice
 * (after a crash before the ack) stores it once.
 */
export class DeadLetters {
  constructor(
    private readonly js: JetStreamClient,
    private readonly topology: Topology,
    private readonly service: string,
    private readonly counter: Counter<'service' | 'reason'>,
  ) {}

  /** Parks `msg`, read from `stream`, with the reason and what went wrong. */
  async parkMessage(msg: ParkableMessage, reason: DlqReason, detail: string, stream: string): Promise<void> {
    const h = headers();
    if (msg.headers) for (const [k, v] of msg.headers) for (const value of v) h.append(k, value);
    h.set(DlqHeaders.reason, `${reason}: ${detail}`.slice(0, 1024));
    h.set(DlqHeaders.originalSubject, msg.subject);
    h.set(DlqHeaders.service, this.service);
    h.set(DlqHeaders.parkedAt, new Date().toISOString());
    h.set(DlqHeaders.stream, stream);
    h.set(DlqHeaders.streamSeq, String(msg.seq));
    injectTraceHeaders(h);
    const msgID = `dlq:${this.service}:${stream}:${msg.seq}`;
    await this.js.publish(this.topology.subjects.dlq(this.service), msg.data, { headers: h, msgID });
    this.counter.inc({ service: this.service, reason });
  }
}
