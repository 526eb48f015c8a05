import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { type AlertEvent, alertEvents, parseJson, ValidationError } from '@vigil/contracts';
import type { Bus } from '@vigil/platform';

export type SeqAlertEvent = AlertEvent & { seq: number };

/** An alert event off the EVENTS stream, or undefined once one it cannot read is parked with its reason. */
export async function readAlertEvent(bus: Bus, m: JsMsg): Promise<SeqAlertEvent | undefined> {
  try {
    return { ...alertEvents.read(parseJson(m.data, 'alert event')), seq: m.seq };
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    await bus.dlq.parkMessage(m, 'invalid_payload', e.message, bus.topology.streams.events);
    return undefined;
  }
}

/**
 * The last event of every alert (`events.alert.*`, last per subject), in stream order: how the
 * evaluator and the dispatcher take the alerts back at an activation.
 */
export async function forEachLastAlertEvent(bus: Bus, visit: (event: SeqAlertEvent) => void): Promise<void> {
  const { js, jsm, topology } = bus;
  const stream = topology.streams.events;
  const subject = topology.subjects.eventsOf('alert');
  // No alert event at all (a wildcard `last_by_subj`): nothing to read, and no consumer to wait on.
  if (!(await jsm.streams.getMessage(stream, { last_by_subj: subject }).catch(() => null))) return;
  const consumer = await js.consumers.get(stream, {
    filter_subjects: subject,
    deliver_policy: DeliverPolicy.LastPerSubject,
  });
  const messages = await consumer.consume();
  try {
    for await (const m of messages) {
      const event = await readAlertEvent(bus, m);
      if (event) visit(event);
      if (m.info.pending === 0) break;
    }
  } finally {
    await messages.close();
  }
}
