import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/**
 * Connects to NATS, waiting for the server if it is not up yet, and reconnects forever
 * after that. Status changes are logged; none of them is fatal.
 */
export async function connectToNats(url: string, logger: Logger): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(','),
    name: `vigil-node-agent:${process.pid}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    waitOnFirstConnect: true,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') {
        logger.warn({ nats_status: status.type, server: 'server' in status ? status.server : undefined }, 'nats connection status');
      }
    }
  })();
  return nc;
}

/**
 * Drains the connection, so messages still in flight are delivered. While the server is
 * unreachable there is nothing to drain into and drain fails; the connection is closed.
 */
export async function closeNats(nc: NatsConnection, logger: Logger): Promise<void> {
  try {
    await nc.drain();
  } catch (e) {
    logger.warn({ err: e }, 'could not drain the NATS connection; closing it');
    await nc.close();
  }
}
