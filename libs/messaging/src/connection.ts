import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

export interface NatsConnectOptions {
  url: string;
  /** Shows in `nats server report connections`: the service and its pid. */
  name: string;
  logger: Logger;
}

/** Connects and keeps reconnecting forever; status changes are logged, never fatal. */
export async function connectNats(opts: NatsConnectOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: opts.url.split(','),
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
  });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
        opts.logger.warn(
          { nats_status: s.type, server: 'server' in s ? s.server : undefined },
          'nats connection status',
        );
      }
    }
  })();
  return nc;
}
