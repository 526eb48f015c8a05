import type { JetStreamClient, JetStreamPublishOptions, PubAck } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { encodeJson } from '@vigil/contracts';
import { injectTraceHeaders } from '@vigil/telemetry';

/**
 * Publishes JSON to JetStream with the active trace context in the headers.
 * `msgID` makes retries idempotent within the stream's duplicate window.
 */
export async function publishJson(
  js: JetStreamClient,
  subject: string,
  payload: unknown,
  opts: Partial<Pick<JetStreamPublishOptions, 'msgID' | 'expect' | 'timeout'>> = {},
): Promise<PubAck> {
  const h = headers();
  injectTraceHeaders(h);
  return js.publish(subject, encodeJson(payload), { ...opts, headers: h });
}
