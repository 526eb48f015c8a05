import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { type Context, type DomainEvent, type EventCatalog, parseJson, ValidationError } from '@vigil/contracts';
import type { EventBus } from './event-feed';

/** An event with its sequence on the `EVENTS` stream. */
export type SequencedEvent<E extends DomainEvent> = E & { seq: number };

/** A `context` event off the EVENTS stream, or undefined once one it cannot read is parked with its reason. */
export async function readEvent<E extends DomainEvent>(
  bus: EventBus,
  context: Context,
  catalog: EventCatalog<E>,
  m: JsMsg,
): Promise<SequencedEvent<E> | undefined> {
  try {
    return { ...catalog.read(parseJson(m.data, `${context} event`)), seq: m.seq };
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    await bus.dlq.parkMessage(m, 'invalid_payload', e.message, bus.topology.streams.events, {
      consumer: `reader ${context}`,
    });
    return undefined;
  }
}

/**
 * The last event of every aggregate of `context` (`events.<context>.*`, last per subject), in
 * stream order: how a process takes the aggregates' state back without reading every event.
 */
export async function forEachLastEvent<E extends DomainEvent>(
  bus: EventBus,
  context: Context,
  catalog: EventCatalog<E>,
  visit: (event: SequencedEvent<E>) => void,
): Promise<void> {
  const { js, jsm, topology } = bus;
  const stream = topology.streams.events;
  const subject = topology.subjects.eventsOf(context);
  // No event of the context at all (a wildcard `last_by_subj`): nothing to read, and no consumer to wait on.
  if (!(await jsm.streams.getMessage(stream, { last_by_subj: subject }).catch(() => null))) return;
  const consumer = await js.consumers.get(stream, {
    filter_subjects: subject,
    deliver_policy: DeliverPolicy.LastPerSubject,
  });
  const messages = await consumer.consume();
  try {
    for await (const m of messages) {
      const event = await readEvent(bus, context, catalog, m);
      if (event) visit(event);
      if (m.info.pending === 0) break;
    }
  } finally {
    await messages.close();
  }
}
