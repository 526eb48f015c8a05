import type { AgentMessage, AgentMessageKind } from '@vigil/contracts';

export type MessageKind = AgentMessageKind;
/** A validated, encoded message with its subject and de-duplication id. */
export type OutboundMessage = AgentMessage;

/**
 * Where the agent's messages go. The agent publishes through a SpoolingPublisher, which
 * wraps the live NATS publisher with an on-disk spool; the agent itself does not know.
 */
export interface Publisher {
  /** Resolves once the message is stored; rejects when it could not be. */
  publish(message: OutboundMessage): Promise<void>;
}

/** A publisher straight to NATS, which also says whether its connection is up. */
export interface LivePublisher extends Publisher {
  /** False while the connection is known to be down: a publish would only wait for its timeout. */
  readonly connected: boolean;
  /** Calls `listener` whenever the connection comes (back) up. */
  onConnected(listener: () => void): void;
}
