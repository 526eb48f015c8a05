import { randomBytes } from 'node:crypto';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { Bus } from '@vigil/platform';
import type { EventTopic, LiveEventDelivery } from './event-topics';
import { decode } from './topic-feed';

export type ReplayOutcome = { kind: 'replayed'; events: LiveEventDelivery[] } | { kind: 'reset'; reason: string };

/** How long a replay may take to read what it counted (it counted messages that exist: this is a safety net). */
const FETCH_EXPIRES_MS = 5000;

/**
 * The events of `topic` after the cursor `since` up to `upTo` (the last sequence the topic's
 * shared feed had delivered when the subscription joined it; the feed brings everything after),
 * at most `limit` of them: further behind, or a cursor the stream cannot have given (past its
 * end, or before its first message), is a `reset`.
 *
 * One ephemeral consumer filtered on the topic's subjects, starting at `since + 1`; the number
 * of its pending messages at creation decides the bound before anything is read (it counts the
 * topic's subjects, so events a scope or type filter hides count too). The consumer is left to
 * expire on the server (the gateway may not delete consumers).
 */
export async function replayEvents(
  bus: Bus,
  topic: EventTopic,
  since: number,
  upTo: number,
  limit: number,
): Promise<ReplayOutcome> {
  const stream = bus.topology.streams.events;
  const { state } = await bus.jsm.streams.info(stream);
  if (since > state.last_seq) return { kind: 'reset', reason: 'the cursor is past the end of the event stream' };
  if (state.messages > 0 && since + 1 < state.first_seq)
    return { kind: 'reset', reason: 'the events after the cursor are no longer kept' };
  if (since >= upTo) return { kind: 'replayed', events: [] };
  const info = await bus.jsm.consumers.add(stream, {
    name: `live_${randomBytes(8).toString('hex')}`,
    filter_subject: bus.topology.subjects.eventsOf(topic.context),
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: since + 1,
    ack_policy: AckPolicy.None,
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: nanos(30_000),
  });
  if (info.num_pending > limit)
    return { kind: 'reset', reason: `more than ${limit} events since the cursor: reload, then subscribe without it` };
  const events: LiveEventDelivery[] = [];
  if (info.num_pending === 0) return { kind: 'replayed', events };
  const consumer = await bus.js.consumers.get(stream, info.name);
  const messages = await consumer.fetch({ max_messages: info.num_pending, expires: FETCH_EXPIRES_MS });
  for await (const m of messages) {
    if (m.seq > upTo) break;
    const delivery = decode(topic, m.seq, m.data);
    if (delivery) events.push(delivery);
    if (m.seq === upTo) break;
  }
  await messages.close().catch(() => undefined);
  return { kind: 'replayed', events };
}
