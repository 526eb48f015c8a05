import {
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { SpanKind } from '@opentelemetry/api';
import { decodeJson, type DomainEvent, type EventCatalog, EventEnvelope, ValidationError } from '@vigil/contracts';
import type { NatsConnection } from '@nats-io/nats-core';
import { closeOnReconnect, type DeadLetters } from '@vigil/messaging';
import { extractTraceContext, withSpan } from '@vigil/telemetry';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { StoredEvent } from './event-store';

export interface Projection<E extends DomainEvent> {
  /** Names the checkpoint row; changing the read model's shape means a new name or a rebuild. */
  readonly name: string;
  readonly catalog: EventCatalog<E>;
  /** Applies one event inside the checkpoint's transaction. Must only touch this projection's tables. */
  apply(event: StoredEvent<E>, tx: EntityManager): Promise<void>;
  /**
   * Runs once the event's transaction has committed: the place to drop caches of the read
   * model, since a reader that ran between an in-transaction drop and the commit would have
   * cached the old row again. Runs on every replica running the projection, also on those that
   * found the event applied by another.
   */
  afterCommit?(event: StoredEvent<E>): void;
  /** Empties the read model (before a rebuild), inside the transaction that resets the checkpoint. */
  reset(tx: EntityManager): Promise<void>;
}

/** Another runner reset the checkpoint (a rebuild): restart from the stored position. */
class CheckpointMovedBack extends Error {
  constructor(readonly stored: number) {
    super(`checkpoint moved back to ${stored}`);
  }
}

/**
 * The checkpoint is past the stream's last sequence: the stream was deleted and created again, or
 * the service points at another bus than the one its read model came from. Events appended from
 * now on would carry sequences the checkpoint says are applied, and would be skipped in silence.
 */
export class ProjectionAheadOfStream extends Error {
  constructor(
    readonly projection: string,
    readonly checkpoint: number,
    readonly stream: string,
    readonly lastSeq: number,
  ) {
    super(
      `projection ${projection} has applied up to sequence ${checkpoint}, but stream ${stream} ends at ${lastSeq}: ` +
        'the stream was replaced or this is another bus. Point the service at the bus its database came from, ' +
        'or rebuild the read model from this stream (VIGIL_PROJECTION_STREAM_RESET=rebuild)',
    );
  }
}

export interface ProjectionRunnerDeps {
  js: JetStreamClient;
  /** The connection `js` uses: on a reconnect the runner reads again from its position at once (`closeOnReconnect`). */
  nc?: NatsConnection;
  /** For the stream's end at start; made from `js` when absent. */
  jsm?: JetStreamManager;
  dataSource: DataSource;
  /** Schema-qualified table `(projection text primary key, last_seq bigint, updated_at timestamptz)`. */
  checkpointTable: string;
  stream: string;
  /** The subjects this projection reads, e.g. `events.node.*`. */
  filterSubject: string;
  dlq: DeadLetters;
  logger: Logger;
  /**
   * What to do when the checkpoint is past the stream's end (see `ProjectionAheadOfStream`):
   * `refuse` (the default) fails `start()`; `rebuild` empties the read model and replays the stream.
   */
  onStreamReset?: 'refuse' | 'rebuild';
}

/**
 * Keeps a read model in step with the event stream, exactly once in effect.
 *
 * The position lives in Postgres, not in a NATS consumer: each event is applied
 * and the checkpoint advanced in one transaction, under a row lock on the
 * checkpoint, so a crash between the two cannot happen and a second runner (or a
 * redelivery) sees the event as applied and skips it. The runner reads with an
 * ordered consumer starting right after the checkpoint; on any failure it
 * restarts from the checkpoint again. Replicas may each run the same projection:
 * the row lock serialises them, and a runner that finds the checkpoint behind its
 * own position (another replica rebuilt the model) starts over from there.
 */
export class ProjectionRunner<E extends DomainEvent> {
  private messages?: ConsumerMessages;
  private consumer?: Consumer;
  private loop?: Promise<void>;
  private unwatch?: () => void;
  private stopped = true;
  private position = 0;
  private readonly waiters = new Set<{ seq: number; resolve: () => void }>();

  constructor(
    private readonly deps: ProjectionRunnerDeps,
    private readonly projection: Projection<E>,
  ) {}

  async start(): Promise<void> {
    const { dataSource, checkpointTable } = this.deps;
    await dataSource.query(
      `INSERT INTO ${checkpointTable} (projection, last_seq, updated_at) VALUES ($1, 0, now()) ON CONFLICT (projection) DO NOTHING`,
      [this.projection.name],
    );
    this.position = await this.readCheckpoint();
    if (this.position > 0) await this.checkStreamNotReset();
    this.stopped = false;
    if (this.deps.nc) this.unwatch = closeOnReconnect(this.deps.nc, () => this.messages);
    this.loop = this.run();
  }

  private async checkStreamNotReset(): Promise<void> {
    const jsm = this.deps.jsm ?? (await this.deps.js.jetstreamManager());
    const { state } = await jsm.streams.info(this.deps.stream);
    if (this.position <= state.last_seq) return;
    const ahead = new ProjectionAheadOfStream(this.projection.name, this.position, this.deps.stream, state.last_seq);
    if (this.deps.onStreamReset !== 'rebuild') throw ahead;
    this.deps.logger.warn({ projection: this.projection.name }, `${ahead.message}; rebuilding as configured`);
    await this.resetReadModel();
    this.position = 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    await this.messages?.close();
    await this.loop;
  }

  /** Drops the read model and replays the whole stream into it. */
  async rebuild(): Promise<void> {
    const wasRunning = !this.stopped;
    await this.stop();
    await this.resetReadModel();
    this.deps.logger.info(
      { projection: this.projection.name },
      'projection reset; replaying from the start of the stream',
    );
    if (wasRunning) await this.start();
  }

  private async resetReadModel(): Promise<void> {
    await this.deps.dataSource.transaction(async (tx) => {
      await tx.query(`SELECT last_seq FROM ${this.deps.checkpointTable} WHERE projection = $1 FOR UPDATE`, [
        this.projection.name,
      ]);
      await this.projection.reset(tx);
      await tx.query(`UPDATE ${this.deps.checkpointTable} SET last_seq = 0, updated_at = now() WHERE projection = $1`, [
        this.projection.name,
      ]);
    });
  }

  /** The last stream sequence applied (or skipped as not ours) by this runner. */
  checkpoint(): number {
    return this.position;
  }

  /**
   * The events of its subjects the server has not yet delivered to this runner (its ordered
   * consumer's `num_pending`, asked afresh). Those delivered and waiting in the client's buffer
   * (one pull batch at most) are not counted.
   */
  async pending(): Promise<number> {
    if (!this.consumer || this.stopped) throw new Error(`projection ${this.projection.name} is not reading`);
    return (await this.consumer.info(false)).num_pending;
  }

  /** Resolves once the projection has applied everything up to `seq` (read-your-writes). */
  waitFor(seq: number, timeoutMs = 5000): Promise<void> {
    if (this.position >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { seq, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`projection ${this.projection.name} did not reach ${seq} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /**
   * Read-your-writes for a whole context: resolves once the projection has applied the newest
   * event its subjects hold now (a wildcard `last_by_subj`, which NATS 2.9 answers).
   */
  async catchUp(jsm: JetStreamManager, timeoutMs = 10_000): Promise<void> {
    const last = await jsm.streams
      .getMessage(this.deps.stream, { last_by_subj: this.deps.filterSubject })
      .catch(() => null);
    if (last) await this.waitFor(last.seq, timeoutMs);
  }

  private async readCheckpoint(): Promise<number> {
    const rows: { last_seq: string }[] = await this.deps.dataSource.query(
      `SELECT last_seq FROM ${this.deps.checkpointTable} WHERE projection = $1`,
      [this.projection.name],
    );
    return Number(rows[0]?.last_seq ?? 0);
  }

  private async run(): Promise<void> {
    let backoff = 250;
    while (!this.stopped) {
      try {
        const consumer = await this.deps.js.consumers.get(this.deps.stream, {
          filter_subjects: this.deps.filterSubject,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.position + 1,
        });
        this.consumer = consumer;
        this.messages = await consumer.consume();
        if (this.stopped) {
          // stop() ran while the consumer was being created. Closing an iterator nobody
          // has started to read never settles, so it is not awaited.
          void this.messages.close().catch(() => undefined);
          break;
        }
        for await (const msg of this.messages) {
          await this.handle(msg);
          backoff = 250;
        }
      } catch (e) {
        if (this.stopped) break;
        if (e instanceof CheckpointMovedBack) {
          await this.messages?.close().catch(() => undefined);
          this.position = e.stored;
          continue;
        }
        this.deps.logger.error(
          { err: e, projection: this.projection.name },
          'projection failed; restarting from checkpoint',
        );
        await this.messages?.close().catch(() => undefined);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 10_000);
        this.position = await this.readCheckpoint().catch(() => this.position);
      }
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    const seq = msg.seq;
    await withSpan(
      `projection ${this.projection.name} apply`,
      { kind: SpanKind.CONSUMER, parent: extractTraceContext(msg.headers), attributes: { 'vigil.stream_seq': seq } },
      async () => {
        let applied: StoredEvent<E> | undefined;
        await this.deps.dataSource.transaction(async (tx) => {
          const rows: { last_seq: string }[] = await tx.query(
            `SELECT last_seq FROM ${this.deps.checkpointTable} WHERE projection = $1 FOR UPDATE`,
            [this.projection.name],
          );
          const stored = Number(rows[0].last_seq);
          if (stored < this.position) throw new CheckpointMovedBack(stored);
          if (stored >= seq) {
            // Another replica applied it: committed all the same, so this replica's
            // afterCommit runs too (caches here must hear of the change).
            try {
              applied = { ...this.projection.catalog.read(decodeJson(EventEnvelope, msg.data, 'event')), seq };
            } catch (e) {
              if (!(e instanceof ValidationError)) throw e;
            }
            return;
          }
          try {
            const event = this.projection.catalog.read(decodeJson(EventEnvelope, msg.data, 'event'));
            applied = { ...event, seq };
            await this.projection.apply(applied, tx);
          } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
            // Parked before the checkpoint commits; a retry after a crash parks it again,
            // and the DLQ's message id makes that a duplicate JetStream drops.
            await this.deps.dlq.parkMessage(msg, 'invalid_payload', e.message, this.deps.stream, {
              consumer: `projection ${this.projection.name}`,
            });
          }
          await tx.query(
            `UPDATE ${this.deps.checkpointTable} SET last_seq = $2, updated_at = now() WHERE projection = $1`,
            [this.projection.name, seq],
          );
        });
        if (applied) this.projection.afterCommit?.(applied);
      },
    );
    this.position = seq;
    for (const w of this.waiters) {
      if (w.seq <= seq) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }
}
