import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isRefusedMessage } from '../publish/publish-errors';
import type { LivePublisher } from '../publish/publisher';
import type { FileSpool, SpooledRecord } from './file-spool';

export interface ReplayOptions {
  /** Read, publish and acknowledge at most about this much at a time. */
  chunkBytes: number;
  /** After a failed replay, wait this long before trying again, doubling up to `maxRetryMs`. */
  minRetryMs: number;
  maxRetryMs: number;
}

export const DEFAULT_REPLAY_OPTIONS: ReplayOptions = { chunkBytes: 256 * 1024, minRetryMs: 500, maxRetryMs: 30_000 };

/**
 * Drains the spool oldest-first whenever the connection is up. One message at a time,
 * each awaited until JetStream acknowledged it, so they are stored in spool order; the
 * cursor is saved after each chunk, and the agent's own tasks get a turn between chunks.
 * A crash between a publish and the next saved cursor replays up to a chunk again, which
 * JetStream drops as duplicates (same Nats-Msg-Id) within its duplicate window.
 */
export class SpoolReplayer {
  private replayedCount = 0;
  private failedCount = 0;
  private running?: Promise<void>;
  private wakeAgain = false;
  private retryTimer?: NodeJS.Timeout;
  private retryMs: number;
  private stopped = false;

  constructor(
    private readonly spool: FileSpool,
    private readonly live: LivePublisher,
    private readonly logger: Logger,
    private readonly options: ReplayOptions = DEFAULT_REPLAY_OPTIONS,
  ) {
    this.retryMs = options.minRetryMs;
  }

  /** Spooled messages published since the agent started. */
  get replayed(): number {
    return this.replayedCount;
  }

  /** Replay publishes that failed (and were retried) since the agent started. */
  get failures(): number {
    return this.failedCount;
  }

  start(): void {
    this.live.onConnected(() => {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.retryMs = this.options.minRetryMs;
      this.wake();
    });
    this.wake();
  }

  /** Replays now, unless a replay is running (it goes on) or waiting to retry after a failure. */
  wake(): void {
    if (this.stopped || this.retryTimer) return;
    if (this.running) {
      this.wakeAgain = true;
      return;
    }
    this.running = this.replay().finally(() => {
      this.running = undefined;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  /** Stops replaying and waits for a publish in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.running;
  }

  private async replay(): Promise<void> {
    try {
      while (!this.stopped && this.live.connected && this.spool.depth > 0) {
        await this.replayChunk();
        await nextTurn();
      }
    } catch (e) {
      if (this.retryMs === this.options.minRetryMs) {
        this.logger.warn({ err: e, depth: this.spool.depth }, 'spool replay failed; retrying with backoff');
      }
      this.retryLater();
      return;
    }
    this.retryMs = this.options.minRetryMs;
  }

  private async replayChunk(): Promise<void> {
    const records = await this.spool.read(this.options.chunkBytes);
    let unacked: SpooledRecord | undefined;
    try {
      for (const record of records) {
        try {
          await this.live.publish(record.message);
        } catch (e) {
          if (!isRefusedMessage(e)) {
            this.failedCount++;
            throw e;
          }
          if (unacked) await this.spool.ack(unacked.next);
          unacked = undefined;
          await this.spool.discard(record);
          this.logger.error(
            { err: e, subject: record.message.subject, msg_id: record.message.msgId },
            'NATS refuses a spooled message; dropped it',
          );
          continue;
        }
        unacked = record;
        this.replayedCount++;
      }
    } finally {
      if (unacked) await this.spool.ack(unacked.next);
    }
    if (this.spool.depth === 0) this.logger.info({ replayed: this.replayedCount }, 'spool replayed');
  }

  private retryLater(): void {
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.wake();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs);
  }
}
