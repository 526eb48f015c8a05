import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { SpanKind } from '@opentelemetry/api';
import { SIGNATURE_HEADER } from '@vigil/contracts';
import { injectTraceHeaders, withSpan } from '@vigil/telemetry';
import type { OutboundMessage, Publisher } from './publisher';

/** Signs a message as this node (see libs/contracts identity/signature.ts); absent before a key exists. */
export type MessageSigner = (message: OutboundMessage) => string;

/**
 * Publishes to JetStream with `Nats-Msg-Id` (a retried message is stored once) and the
 * trace context of a PRODUCER span in the headers, signed when the node has a key. The
 * signature is made at publish time, so a message replayed from the spool is signed too.
 * No retry here: see Publisher.
 */
export class JetStreamPublisher implements Publisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly timeoutMs = 5_000,
    private readonly sign?: MessageSigner,
  ) {}

  async publish(message: OutboundMessage): Promise<void> {
    await withSpan(
      `${message.kind} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': message.subject,
          'messaging.message.id': message.msgId,
        },
      },
      async () => {
        const h = headers();
        injectTraceHeaders(h);
        if (this.sign) h.set(SIGNATURE_HEADER, this.sign(message));
        await this.js.publish(message.subject, message.data, { msgID: message.msgId, headers: h, timeout: this.timeoutMs });
      },
    );
  }
}
