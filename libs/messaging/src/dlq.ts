import { type DlqReason, DlqHeaders, type Topology } from '@vigil/contracts';
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers, type MsgHdrs } from '@nats-io/nats-core';
import { injectTraceHeaders } from '@vigil/telemetry';
import type { Counter } from 'prom-client';

export interface Parked {
  subject: string;
  data: Uint8Array;
  headers?: MsgHdrs;
  stream?: string;
  streamSeq?: number;
}

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

  async park(msg: Parked, reason: DlqReason, detail: string): Promise<void> {
    const h = headers();
    if (msg.headers) for (const [k, v] of msg.headers) for (const value of v) h.append(k, value);
    h.set(DlqHeaders.reason, `${reason}: ${detail}`.slice(0, 1024));
    h.set(DlqHeaders.originalSubject, msg.subject);
    h.set(DlqHeaders.service, this.service);
    h.set(DlqHeaders.parkedAt, new Date().toISOString());
    if (msg.stream) h.set(DlqHeaders.stream, msg.stream);
    if (msg.streamSeq !== undefined) h.set(DlqHeaders.streamSeq, String(msg.streamSeq));
    injectTraceHeaders(h);
    const msgID =
      msg.stream && msg.streamSeq !== undefined ? `dlq:${this.service}:${msg.stream}:${msg.streamSeq}` : undefined;
    await this.js.publish(this.topology.subjects.dlq(this.service), msg.data, { headers: h, msgID });
    this.counter.inc({ service: this.service, reason });
  }
}
