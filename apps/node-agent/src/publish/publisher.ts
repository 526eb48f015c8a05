import type { AgentMessage, AgentMessageKind } from '@vigil/contracts';

export type MessageKind = AgentMessageKind;
/** A validated, encoded message with its subject and de-duplication id. */
export type OutboundMessage = AgentMessage;

/**
 * Where the agent's messages go. The on-disk spool (a later issue) will be a Publisher
 * too, wrapping the JetStream one, so the agent itself does not change. Until then a
 * message whose publish fails is lost: the agent logs and counts it and moves on.
 */
export interface Publisher {
  /** Resolves once the message is stored; rejects when it could not be. */
  publish(message: OutboundMessage): Promise<void>;
}
