import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { SpanKind } from '@opentelemetry/api';
import type { AgentMessage } from '@vigil/contracts';
import { injectTraceHeaders, withSpan } from '@vigil/telemetry';

/** The simulator's messages are the agent's own, built by the contracts. */
export type SimMessage = AgentMessage;

/** One JetStream publish in a PRODUCER span whose context travels in the headers. */
export async function publishMessage(js: JetStreamClient, message: SimMessage): Promise<void> {
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
      await js.publish(message.subject, message.data, { msgID: message.msgId, headers: h });
    },
  );
}
