import { DeliverPolicy, JetStreamApiError, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import {
  ConcurrencyError,
  type Context,
  decodeJson,
  type DomainEvent,
  type EventCatalog,
  EventEnvelope,
  type EventMeta,
  type Topology,
  uuidv7,
} from '@vigil/contracts';
import { publishJson } from '@vigil/messaging';

export type NewEvent<E extends DomainEvent> = E extends DomainEvent ? { type: E['type']; data: E['data'] } : never;
export type StoredEvent<E extends DomainEvent> = E & { seq: number };

export interface AggregateStream<E extends DomainEvent> {
  events: StoredEvent<E>[];
  /** Stream sequence of the aggregate's last event; 0 when it has none. The expected value for the next append. */
  lastSeq: number;
}

const WRONG_LAST_SEQUENCE = 10071;

/**
 * Append and read the events of one context's aggregates on the EVENTS stream.
 * Each aggregate is one subject, `events.<context>.<id>`; appends carry
 * `Nats-Expected-Last-Subject-Sequence`, so two writers deciding on the same
 * state cannot both win, and `Nats-Msg-Id` = event id, so a retried publish is
 * stored once.
 */
export class EventStore<E extends DomainEvent> {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly topology: Topology,
    private readonly context: Context,
    private readonly catalog: EventCatalog<E>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  subjectOf(aggregateId: string): string {
    return this.topology.subjects.events(this.context, aggregateId);
  }

  async read(aggregateId: string): Promise<AggregateStream<E>> {
    const subject = this.subjectOf(aggregateId);
    const stream = this.topology.streams.events;
    const last = await this.jsm.streams.getMessage(stream, { last_by_subj: subject });
    if (!last) return { events: [], lastSeq: 0 };
    const consumer = await this.js.consumers.get(stream, {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.All,
    });
    const events: StoredEvent<E>[] = [];
    const messages = await consumer.consume();
    try {
      for await (const m of messages) {
        events.push({ ...this.catalog.read(decodeJson(EventEnvelope, m.data, 'event')), seq: m.seq });
        if (m.seq >= last.seq) break;
      }
    } finally {
      await messages.close();
    }
    return { events, lastSeq: last.seq };
  }

  /**
   * Appends events after `expectedLastSeq` (`'any'`: no expectation, for facts that
   * decide nothing, like an audit record). A stale expectation throws ConcurrencyError:
   * the caller reads again, decides again and retries. Several events are published one
   * by one, each expecting the previous one; a crash in between leaves a prefix, which
   * a decider that derives everything from state completes on its next attempt.
   */
  async append(
    aggregateId: string,
    events: NewEvent<E>[],
    expectedLastSeq: number | 'any',
    meta: EventMeta,
  ): Promise<AggregateStream<E>> {
    const subject = this.subjectOf(aggregateId);
    const written: StoredEvent<E>[] = [];
    let lastSeq: number | undefined = expectedLastSeq === 'any' ? undefined : expectedLastSeq;
    for (const e of events) {
      const now = this.clock();
      const envelope = {
        id: uuidv7(now.getTime()),
        type: e.type,
        version: this.catalog.currentVersion(e.type),
        subject: `${this.context}.${aggregateId}`,
        occurredAt: now.toISOString(),
        data: this.catalog.validateNew(e.type, e.data),
        meta,
      };
      try {
        const ack = await publishJson(this.js, subject, envelope, {
          msgID: envelope.id,
          expect: lastSeq === undefined ? undefined : { lastSubjectSequence: lastSeq },
        });
        lastSeq = ack.seq;
      } catch (err) {
        if (err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE) {
          throw new ConcurrencyError(`${subject} moved past sequence ${lastSeq}`);
        }
        throw err;
      }
      written.push({ ...(envelope as unknown as E), seq: lastSeq });
    }
    return { events: written, lastSeq: lastSeq ?? 0 };
  }
}
