import type { JetStreamClient } from '@nats-io/jetstream';
import type { AgentMessage } from '@vigil/contracts';
import { publishAgentMessage } from '@vigil/messaging';

/** The simulator's messages are the agent's own, built by the contracts. */
export type SimMessage = AgentMessage;

/** Published exactly as the agent publishes (unsigned: simulated nodes do not enroll). */
export async function publishMessage(js: JetStreamClient, message: SimMessage): Promise<void> {
  await publishAgentMessage(js, message);
}
