import type { Logger } from 'pino';
import { isRefusedMessage } from '../publish/publish-errors';
import type { LivePublisher, MessageKind, OutboundMessage, Publisher } from '../publish/publisher';
import type { FileSpool } from './file-spool';
import type { SpoolMetrics } from './spool-metrics';
import { DEFAULT_REPLAY_OPTIONS, type ReplayOptions, SpoolReplayer } from './spool-replayer';

/** A heartbeat is worth only its freshness: one that cannot go now is dropped, not spooled. */
export function isSpooled(kind: MessageKind): boolean {
  switch (kind) {
    case 'samples':
    case 'inventory':
    case 'agent-event':
      return true;
    case 'heartbeat':
      return false;
    default: {
      const unknown: never = kind;
      throw new Error(`unknown message kind ${String(unknown)}`);
    }
  }
}

/**
 * Publishes live, and keeps in the on-disk spool what could not be: a publish resolves
 * once the message is acknowledged by JetStream or fsynced in the spool.
 *
 * Order: spooled kinds pass through one at a time, in call order. One goes live only
 * when the spool is empty, that is when every message before it has been acknowledged
 * by JetStream (the replayer removes a message from the spool only then); otherwise it
 * goes to the spool's tail, behind them, and the replayer publishes the spool strictly
 * in order. So a node's sample batches are stored in the order they were made, across
 * outages and restarts. Exceptions: batches dropped because the spool was full, and a
 * message JetStream stored but whose acknowledgement was lost. That one is spooled and
 * replayed too, and JetStream drops the copy as a duplicate (same Nats-Msg-Id) only within
 * the stream's duplicate window (10 min by default): after a longer outage it is stored twice.
 */
export class SpoolingPublisher implements Publisher {
  private readonly replayer: SpoolReplayer;
  private turn: Promise<unknown> = Promise.resolve();
  private liveFailures = 0;

  constructor(
    private readonly live: LivePublisher,
    private readonly spool: FileSpool,
    private readonly logger: Logger,
    replayOptions: ReplayOptions = DEFAULT_REPLAY_OPTIONS,
  ) {
    this.replayer = new SpoolReplayer(spool, live, logger, replayOptions);
  }

  /** Starts replaying the spool, now (it may hold messages of an earlier run) and on every reconnect. */
  start(): void {
    this.replayer.start();
  }

  async stop(): Promise<void> {
    await this.replayer.stop();
  }

  publish(message: OutboundMessage): Promise<void> {
    if (!isSpooled(message.kind)) return this.live.publish(message);
    const published = this.turn.then(() => this.publishInOrder(message));
    this.turn = published.catch(() => undefined);
    return published;
  }

  metrics(): SpoolMetrics {
    return {
      ...this.spool.stats(),
      replayedTotal: this.replayer.replayed,
      publishErrorsTotal: this.liveFailures + this.replayer.failures,
    };
  }

  private async publishInOrder(message: OutboundMessage): Promise<void> {
    let failure: unknown;
    if (this.spool.depth === 0 && this.live.connected) {
      try {
        await this.live.publish(message);
        return;
      } catch (e) {
        if (isRefusedMessage(e)) throw e;
        this.liveFailures++;
        failure = e;
      }
    }
    const wasEmpty = this.spool.depth === 0;
    await this.spool.append(message);
    if (wasEmpty) {
      this.logger.warn(
        { err: failure, kind: message.kind, nats_connected: this.live.connected },
        'spooling messages until NATS takes them again',
      );
    }
    this.replayer.wake();
  }
}
