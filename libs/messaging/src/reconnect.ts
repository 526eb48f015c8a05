import type { NatsConnection, Status } from '@nats-io/nats-core';

/** What a reader closes so that its own loop reads again (a JetStream `ConsumerMessages`). */
export interface Closable {
  close(): Promise<void | Error>;
}

/**
 * Closes `current()` each time `nc` reconnects, until the returned function is called.
 *
 * After a reconnect, nats.js (3.x) resumes a pull consumer with one consumer-info request; when
 * that fails (a restarted nats-server answers before JetStream has recovered its streams) it
 * tries again only after the pull's expiry, 30 s by default, and the reader sits idle all that
 * time. A reader that closes its messages here instead ends its `for await` once the messages
 * already received are handled, and its own loop creates the consumer again at the position it
 * keeps, retrying on its own short backoff.
 */
export function closeOnReconnect(nc: NatsConnection, current: () => Closable | undefined): () => void {
  // nats-core's status iterator (typed as a plain AsyncIterable) has stop(), which unregisters it.
  const status = nc.status() as AsyncIterable<Status> & { stop?: () => void };
  void (async () => {
    for await (const s of status) {
      if (s.type === 'reconnect')
        void current()
          ?.close()
          .catch(() => undefined);
    }
  })().catch(() => undefined);
  return () => status.stop?.();
}
