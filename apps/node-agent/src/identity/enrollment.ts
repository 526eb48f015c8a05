import type { NatsConnection } from '@nats-io/nats-core';
import { identityCommands, IllegalStateError, type Topology, ValidationError } from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import type { Logger } from 'pino';
import type { CredentialStore, Credentials } from './credentials';

/**
 * Exchanges the one-time enrollment token for the platform's acceptance of this
 * node's key. Retries while registry-svc is unreachable; a refused token (unknown,
 * used, expired) or a revoked node is final and stops the agent with the reason.
 */
export async function enroll(
  nc: NatsConnection,
  topology: Topology,
  store: CredentialStore,
  credentials: Credentials,
  token: string,
  hostname: string,
  logger: Logger,
  retryMs = 2000,
): Promise<Credentials> {
  for (;;) {
    try {
      const reply = await requestQuery(
        nc,
        topology,
        identityCommands.enroll,
        { token, nodeId: credentials.nodeId, publicKey: credentials.publicKey, hostname },
        10_000,
      );
      logger.info({ enrolled_at: reply.enrolledAt }, 'node enrolled');
      return store.markEnrolled(credentials, reply.enrolledAt);
    } catch (e) {
      if (e instanceof ValidationError || e instanceof IllegalStateError)
        throw new Error(`enrollment refused: ${e.message}`);
      logger.warn({ err: { message: (e as Error).message } }, 'enrollment failed; retrying');
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }
}
