import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { SpanKind } from '@opentelemetry/api';
import { injectTraceHeaders, withSpan } from '@vigil/telemetry';
import type { OutboundMessage, Publisher } from './publisher';

/**
 * Publishes to JetStream with `Nats-Msg-Id` (a retried message is stored once) and the
 * trace context of a PRODUCER span in the headers. No retry here: see Publisher.
 */
export class JetStreamPublisher implements Publisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly timeoutMs = 5_000,
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
        await this.js.publish(message.subject, message.data, { msgID: message.msgId, headers: h, timeout: this.timeoutMs });
      },
    );
  }
}
