import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import { SpanKind } from '@opentelemetry/api';
import { type DlqReason, ValidationError } from '@vigil/contracts';
import { extractTraceContext, withSpan } from '@vigil/telemetry';
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';
import type { DeadLetters } from './dlq';
import { closeOnReconnect } from './reconnect';

/** Thrown by a handler for a failure that may pass (a dependency down): the message is redelivered later. */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly delayMs = 1000,
  ) {
    super(message);
    this.name = 'RetryableError';
  }
}

/** Thrown by a handler for input that must never be processed; it is parked with this reason. */
export class PoisonMessageError extends Error {
  constructor(
    readonly reason: DlqReason,
    message: string,
  ) {
    super(message);
    this.name = 'PoisonMessageError';
  }
}

export interface DurableConsumerSpec {
  stream: string;
  durable: string;
  filterSubject: string;
  /** Low-cardinality label for metrics and span names, e.g. `telemetry.heartbeat.*`. */
  subjectPattern: string;
  maxAckPending?: number;
  ackWaitMs?: number;
  /** After this many deliveries a message that keeps failing is parked as processing_failed. */
  maxDeliver?: number;
  /**
   * Messages handled at once by this replica (default 1: in stream order). Only for
   * handlers whose effect does not depend on the order of messages, e.g. because
   * their decisions go through optimistic concurrency anyway.
   */
  concurrency?: number;
}

export interface WorkerDeps {
  js: JetStreamClient;
  /** The connection `js` uses: on a reconnect the worker pulls again at once (`closeOnReconnect`). */
  nc?: NatsConnection;
  jsm: JetStreamManager;
  logger: Logger;
  dlq: DeadLetters;
  messages: Counter<'subject' | 'result'>;
  duration: Histogram<'subject'>;
}

export type MessageHandler = (msg: JsMsg) => Promise<void>;

const CONSUMER_NOT_FOUND = 10014;

/**
 * A durable pull consumer that owns its loop. A message is acked only after the
 * handler returned (its effect is durable); invalid input is parked in the DLQ and
 * acked; anything else is nak'ed with backoff and parked after `maxDeliver` tries.
 * Several replicas may run the same worker: JetStream spreads messages over them.
 */
export class JetStreamWorker {
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private unwatch?: () => void;
  private stopped = false;

  constructor(
    private readonly deps: WorkerDeps,
    private readonly spec: DurableConsumerSpec,
    private readonly handler: MessageHandler,
  ) {}

  async start(): Promise<void> {
    await this.ensureConsumer();
    if (this.deps.nc) this.unwatch = closeOnReconnect(this.deps.nc, () => this.messages);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    await this.messages?.close();
    await this.loop;
  }

  /** Messages of its subjects not yet delivered to any replica, plus those delivered and not yet acknowledged. */
  async pending(): Promise<number> {
    const info = await this.deps.jsm.consumers.info(this.spec.stream, this.spec.durable);
    return info.num_pending + info.num_ack_pending;
  }

  /** The durable's stream and name. */
  get consumer(): { stream: string; durable: string } {
    return { stream: this.spec.stream, durable: this.spec.durable };
  }

  private async ensureConsumer(): Promise<void> {
    const { jsm } = this.deps;
    const { stream, durable } = this.spec;
    const wanted = {
      max_ack_pending: this.spec.maxAckPending ?? 1000,
      ack_wait: nanos(this.spec.ackWaitMs ?? 30_000),
    };
    try {
      await jsm.consumers.info(stream, durable);
      await jsm.consumers.update(stream, durable, wanted);
    } catch (e) {
      if (!(e instanceof JetStreamApiError) || e.code !== CONSUMER_NOT_FOUND) throw e;
      await jsm.consumers.add(stream, {
        ...wanted,
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: this.spec.filterSubject,
      });
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await this.deps.js.consumers.get(this.spec.stream, this.spec.durable);
        this.messages = await consumer.consume({ max_messages: 256 });
        if (this.stopped) {
          // stop() ran while the consumer was being created. Closing an iterator nobody
          // has started to read never settles, so it is not awaited.
          void this.messages.close().catch(() => undefined);
          break;
        }
        const concurrency = this.spec.concurrency ?? 1;
        const inFlight = new Set<Promise<void>>();
        for await (const msg of this.messages) {
          const handled: Promise<void> = this.process(msg).finally(() => inFlight.delete(handled));
          inFlight.add(handled);
          if (inFlight.size >= concurrency) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
      } catch (e) {
        if (this.stopped) break;
        this.deps.logger.error({ err: e, consumer: this.spec.durable }, 'consumer loop failed; restarting');
        await new Promise((r) => setTimeout(r, 1000));
        await this.ensureConsumer().catch(() => undefined);
      }
    }
  }

  private async process(msg: JsMsg): Promise<void> {
    const { subjectPattern } = this.spec;
    const end = this.deps.duration.startTimer({ subject: subjectPattern });
    const result = await withSpan(
      `${subjectPattern} process`,
      {
        kind: SpanKind.CONSUMER,
        parent: extractTraceContext(msg.headers),
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': msg.subject,
          'messaging.consumer.group.name': this.spec.durable,
          'messaging.message.id': String(msg.seq),
        },
      },
      async () => {
        try {
          await this.handler(msg);
          msg.ack();
          return 'ack';
        } catch (e) {
          return this.fail(msg, e);
        }
      },
    );
    end();
    this.deps.messages.inc({ subject: subjectPattern, result });
  }

  private async fail(msg: JsMsg, e: unknown): Promise<string> {
    const poison =
      e instanceof PoisonMessageError
        ? { reason: e.reason, detail: e.message }
        : e instanceof ValidationError
          ? { reason: 'invalid_payload' as const, detail: e.message }
          : undefined;
    const exhausted = msg.info.deliveryCount >= (this.spec.maxDeliver ?? 20);
    if (poison || exhausted) {
      const { reason, detail } = poison ?? { reason: 'processing_failed' as const, detail: (e as Error).message };
      try {
        await this.deps.dlq.parkMessage(msg, reason, detail, this.spec.stream);
        this.deps.logger.warn({ subject: msg.subject, seq: msg.seq, reason, detail }, 'message parked in DLQ');
        msg.ack();
        return 'dlq';
      } catch (dlqError) {
        this.deps.logger.error({ err: dlqError, subject: msg.subject }, 'could not park message; will retry');
        msg.nak(1000);
        return 'retry';
      }
    }
    const delay = e instanceof RetryableError ? e.delayMs : Math.min(30_000, 500 * 2 ** (msg.info.deliveryCount - 1));
    this.deps.logger.warn(
      { err: e, subject: msg.subject, seq: msg.seq, delay_ms: delay },
      'message processing failed; retrying',
    );
    msg.nak(delay);
    return 'retry';
  }
}
