import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { SpanKind } from '@opentelemetry/api';
import type { AgentMessage } from '@vigil/contracts';
import { injectTraceHeaders, withSpan } from '@vigil/telemetry';

export interface AgentPublishOptions {
  timeoutMs?: number;
  /** The node's signature and stamp headers (`signMessage`, libs/contracts identity/signature.ts). */
  signed?: Record<string, string>;
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
      for (const [name, value] of Object.entries(opts.signed ?? {})) h.set(name, value);
      await js.publish(message.subject, message.data, { msgID: message.msgId, headers: h, timeout: opts.timeoutMs });
    },
  );
}
