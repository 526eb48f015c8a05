import { type ConsumerMessages, DeliverPolicy } from '@nats-io/jetstream';
import { SpanKind } from '@opentelemetry/api';
import { parseJson, ValidationError } from '@vigil/contracts';
import { closeOnReconnect } from '@vigil/messaging';
import type { Bus } from '@vigil/platform';
import { extractTraceContext, getTracer, type Logger } from '@vigil/telemetry';
import { type EventTopic, liveEvent, type LiveEventDelivery } from './event-topics';

/** What a topic's feed hands each event to: a socket's subscription. */
export interface TopicListener {
  deliver(delivery: LiveEventDelivery): void;
}

/**
 * One topic's events for every socket of this process: ONE ordered JetStream consumer on
 * `events.<context>.*`, started at the end of EVENTS when the topic is first asked for, each
 * event decoded once and handed to every listener in stream order.
 *
 * Why an ordered consumer rather than a core subscription on the subjects: the cursor a client
 * resumes from is the EVENTS stream sequence, which only JetStream delivery carries; the
 * consumer is gapless and in order, and after a failure or a NATS reconnect it is created again
 * at the sequence after the last one it handed out, so sockets miss nothing while the gateway
 * stays connected. It is an ephemeral consumer (nothing to clean up, no state shared between
 * replicas: each replica reads the stream itself).
 */
export class TopicFeed {
  private readonly listeners = new Set<TopicListener>();
  private messages?: ConsumerMessages;
  private running?: Promise<void>;
  private started?: Promise<void>;
  private stopped = false;
  private unwatch?: () => void;
  /** The next stream sequence it delivers: every event before it has been handed to the listeners it had then. */
  private nextSeq = 0;

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    readonly topic: EventTopic,
    /** Sees every event before the listeners do (the scope's node labels follow `node.registered`). */
    private readonly observe?: (delivery: LiveEventDelivery) => void,
  ) {}

  /** Positions the feed at the end of the stream (once) and starts reading; resolves once positioned. */
  start(): Promise<void> {
    this.started ??= (async () => {
      const info = await this.bus.jsm.streams.info(this.bus.topology.streams.events);
      this.nextSeq = info.state.last_seq + 1;
      this.unwatch = closeOnReconnect(this.bus.nc, () => this.messages);
      this.running = this.run();
    })().catch((e: unknown) => {
      this.started = undefined;
      throw e;
    });
    return this.started;
  }

  /**
   * Adds a listener and answers the last sequence the feed has delivered: the listener gets every
   * event after it. Synchronous, so no event falls between the answer and the listener's first one.
   */
  attach(listener: TopicListener): number {
    this.listeners.add(listener);
    return this.nextSeq - 1;
  }

  detach(listener: TopicListener): void {
    this.listeners.delete(listener);
  }

  get listening(): number {
    return this.listeners.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    await this.messages?.close().catch(() => undefined);
    await this.running;
  }

  private async run(): Promise<void> {
    const { js, topology } = this.bus;
    const stream = topology.streams.events;
    while (!this.stopped) {
      try {
        const consumer = await js.consumers.get(stream, {
          filter_subjects: topology.subjects.eventsOf(this.topic.context),
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.nextSeq,
        });
        this.messages = await consumer.consume();
        if (this.stopped) {
          await this.messages.close().catch(() => undefined);
          break;
        }
        for await (const m of this.messages) {
          this.nextSeq = m.seq + 1;
          const delivery = decode(this.topic, m.seq, m.data);
          if (!delivery) {
            this.logger.warn({ topic: this.topic.name, seq: m.seq }, 'live: an event that cannot be read was skipped');
            continue;
          }
          // One span per event and process (not per socket), continuing the trace of whoever appended it.
          const span = getTracer().startSpan(
            `live ${this.topic.name}`,
            {
              kind: SpanKind.CONSUMER,
              attributes: { 'vigil.live.cursor': m.seq, 'vigil.live.sockets': this.listeners.size },
            },
            extractTraceContext(m.headers),
          );
          try {
            this.observe?.(delivery);
            for (const listener of this.listeners) listener.deliver(delivery);
          } finally {
            span.end();
          }
        }
      } catch (e) {
        if (this.stopped) break;
        this.logger.error({ err: e, topic: this.topic.name }, 'live: event feed failed; reading again');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}

/** An EVENTS message of `topic` as the live API shows it; undefined for one its catalog refuses. */
export function decode(topic: EventTopic, seq: number, data: Uint8Array): LiveEventDelivery | undefined {
  try {
    const event = topic.catalog.read(parseJson(data, 'event'));
    return { seq, event, json: JSON.stringify(liveEvent(event)) };
  } catch (e) {
    if (e instanceof ValidationError) return undefined;
    throw e;
  }
}
