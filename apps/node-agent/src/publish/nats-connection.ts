import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { natsAuthOptions, type NatsCredentials } from '@vigil/messaging';
import type { Logger } from 'pino';

/** Where the agent connects, as whom, and how it verifies the server. */
export interface NatsTarget {
  /** One or more servers, comma separated. */
  url: string;
  /** The agent's NATS user; without it the connection is anonymous. */
  credentials?: NatsCredentials;
  /** A CA (PEM) the server's certificate must chain to: the connection then requires TLS. */
  caFile?: string;
}

/**
 * The agent's NATS connection, made in the background: the agent collects (and spools)
 * while NATS is unreachable, and what needs the connection attaches to `connected`.
 */
export class NatsConnector {
  /** Resolves once connected, or never when closed before that; rejects only on invalid options. */
  readonly connected: Promise<NatsConnection>;
  private nc?: NatsConnection;
  private closing = false;

  constructor(target: NatsTarget, logger: Logger) {
    this.connected = connectToNats(target, logger).then((nc) => {
      if (this.closing) {
        void nc.close();
        return new Promise<never>(() => undefined);
      }
      logger.info({ server: nc.getServer() }, 'connected to NATS');
      this.nc = nc;
      return nc;
    });
    // A failure is for those waiting on `connected` to handle, whenever they start waiting.
    this.connected.catch(() => undefined);
  }

  /** The connection, once made. */
  get connection(): NatsConnection | undefined {
    return this.nc;
  }

  /**
   * Drains the connection, if made. nats.js cannot cancel a first connect in progress: it
   * goes on until the process exits, and a connection it makes after this is closed at once.
   */
  async close(logger: Logger): Promise<void> {
    this.closing = true;
    if (this.nc) await closeNats(this.nc, logger);
  }
}

/**
 * Connects to NATS, waiting for the server if it is not up yet, and reconnects forever
 * after that. Status changes are logged; none of them is fatal.
 */
/** The options the agent connects with: who it is, how it verifies the server, reconnecting forever. */
export function natsConnectionOptions(target: NatsTarget): ConnectionOptions {
  return {
    servers: target.url.split(','),
    name: `vigil-node-agent:${process.pid}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    waitOnFirstConnect: true,
    // With the `agent` user, replies (enrollment, JetStream acks) arrive on the agent's own inbox.
    ...natsAuthOptions({ credentials: target.credentials, caFile: target.caFile }),
  };
}

async function connectToNats(target: NatsTarget, logger: Logger): Promise<NatsConnection> {
  const nc = await connect(natsConnectionOptions(target));
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') {
        logger.warn(
          {
            nats_status: status.type,
            server: 'server' in status ? status.server : undefined,
            error: 'error' in status ? (status.error as Error).message : undefined,
          },
          'nats connection status',
        );
      }
    }
  })();
  return nc;
}

/**
 * Drains the connection, so messages still in flight are delivered. While the server is
 * unreachable there is nothing to drain into and drain fails; the connection is closed.
 */
async function closeNats(nc: NatsConnection, logger: Logger): Promise<void> {
  try {
    await nc.drain();
  } catch (e) {
    logger.warn({ err: e }, 'could not drain the NATS connection; closing it');
    await nc.close();
  }
}
