import type { JetStreamClient } from '@nats-io/jetstream';
import { publishAgentMessage } from '@vigil/messaging';
import type { OutboundMessage, Publisher } from './publisher';

/** Signs a message as this node (see libs/contracts identity/signature.ts). */
export type MessageSigner = (message: OutboundMessage) => string;

/**
 * Publishes to JetStream (message id, trace context, signature: see publishAgentMessage).
 * The signature is made at publish time, so a message replayed from the spool is signed
 * too. No retry here: see Publisher.
 */
export class JetStreamPublisher implements Publisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly timeoutMs = 5_000,
    private readonly sign?: MessageSigner,
  ) {}

  async publish(message: OutboundMessage): Promise<void> {
    await publishAgentMessage(this.js, message, { timeoutMs: this.timeoutMs, signature: this.sign?.(message) });
  }
}
