import { type ConsumerMessages, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import {
  type Context,
  type DomainEvent,
  type EventCatalog,
  parseJson,
  type Topology,
  ValidationError,
} from '@vigil/contracts';
import type { NatsConnection } from '@nats-io/nats-core';
import { closeOnReconnect, type DeadLetters } from '@vigil/messaging';
import type { Logger } from 'pino';

/** What reading a context's events off the `EVENTS` stream takes of a service's bus (the platform's `Bus` has it). */
export interface EventBus {
  /** The connection `js` uses: a reconnect restarts the feed's consumer at once (`closeOnReconnect`). */
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly topology: Topology;
  readonly dlq: DeadLetters;
}

/** What follows a context's events: the history first (before `goLive`), then each live event. */
export interface EventFollower<E> {
  see(event: E): void;
  goLive(): void;
}

/**
 * One context's events on the EVENTS stream (`events.<context>.*`), each validated against
 * its catalog (an invalid one is parked): the whole history in order, then `goLive` once
 * the feed reached the last event there was when it started, then live events. One
 * ordered consumer; after a failure it resumes after the last event it delivered.
 */
export class EventFeed<E extends DomainEvent> {
  private messages?: ConsumerMessages;
  private running?: Promise<void>;
  private stopped = false;
  private nextSeq = 1;
  /** Messages delivered so far (for the log). */
  delivered = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly context: Context,
    private readonly catalog: EventCatalog<E>,
    private readonly follower: EventFollower<E>,
  ) {}

  private unwatch?: () => void;

  start(): void {
    this.unwatch = closeOnReconnect(this.bus.nc, () => this.messages);
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    await this.messages?.close().catch(() => undefined);
    await this.running;
  }

  private async run(): Promise<void> {
    const { js, jsm, topology } = this.bus;
    const stream = topology.streams.events;
    const subject = topology.subjects.eventsOf(this.context);
    let historyEnd: number | undefined;
    const started = Date.now();
    const progressed = (seq: number) => {
      if (historyEnd === undefined || seq < historyEnd) return;
      historyEnd = undefined;
      this.follower.goLive();
      this.logger.info(
        { context: this.context, events: this.delivered, ms: Date.now() - started },
        'event history read',
      );
    };
    while (!this.stopped) {
      try {
        if (this.nextSeq === 1) {
          // The last event there is now (a wildcard `last_by_subj`): the history ends there.
          const last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
          if (!last) this.follower.goLive();
          else historyEnd = last.seq;
        }
        const consumer = await js.consumers.get(stream, {
          filter_subjects: subject,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.nextSeq,
        });
        this.messages = await consumer.consume();
        if (this.stopped) break;
        for await (const m of this.messages) {
          this.nextSeq = m.seq + 1;
          this.delivered++;
          let event: E;
          try {
            event = this.catalog.read(parseJson(m.data, 'event'));
          } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
            await this.bus.dlq.parkMessage(m, 'invalid_payload', e.message, stream, {
              consumer: `feed ${this.context}`,
            });
            progressed(m.seq);
            continue;
          }
          this.follower.see(event);
          progressed(m.seq);
        }
      } catch (e) {
        if (this.stopped) break;
        this.logger.error({ err: e, context: this.context }, 'event feed failed; reading again');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
