import type { JetStreamClient } from '@nats-io/jetstream';
import { publishAgentMessage } from '@vigil/messaging';
import type { OutboundMessage, Publisher } from './publisher';

/** Signs a message as this node: its signature and stamp headers (see libs/contracts identity/signature.ts). */
export type MessageSigner = (message: OutboundMessage) => Record<string, string>;

/**
 * Publishes to JetStream (message id, trace context, signature: see publishAgentMessage).
 * The signature is made at publish time, right before the message goes to NATS: a message
 * replayed from the spool is signed too, with a fresh stamp (its samples are old, its
 * signature is not), and the stamps' sequence follows the order NATS receives them in.
 * No retry here: see Publisher.
 */
export class JetStreamPublisher implements Publisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly timeoutMs = 5_000,
    private readonly sign?: MessageSigner,
  ) {}

  async publish(message: OutboundMessage): Promise<void> {
    await publishAgentMessage(this.js, message, { timeoutMs: this.timeoutMs, signed: this.sign?.(message) });
  }
}
