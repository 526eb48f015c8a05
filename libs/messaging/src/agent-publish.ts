import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { SpanKind } from '@opentelemetry/api';
import { type AgentMessage, SIGNATURE_HEADER } from '@vigil/contracts';
import { injectTraceHeaders, withSpan } from '@vigil/telemetry';

export interface AgentPublishOptions {
  timeoutMs?: number;
  /** The node's signature over the message (libs/contracts identity/signature.ts). */
  signature?: string;
}

/**
 * Publishes one agent message (real agent or simulator) to JetStream: `Nats-Msg-Id` so a
 * retry is stored once, the trace context of a PRODUCER span and, when the node has a
 * key, its signature in the headers.
 */
export async function publishAgentMessage(
  js: JetStreamClient,
  message: AgentMessage,
  opts: AgentPublishOptions = {},
): Promise<void> {
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
      if (opts.signature) h.set(SIGNATURE_HEADER, opts.signature);
      await js.publish(message.subject, message.data, { msgID: message.msgId, headers: h, timeout: opts.timeoutMs });
    },
  );
}
