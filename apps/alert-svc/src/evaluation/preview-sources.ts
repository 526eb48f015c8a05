import { DeliverPolicy } from '@nats-io/jetstream';
import {
  backupEvents,
  type Context,
  type DomainEvent,
  type EventCatalog,
  nodeEvents,
  parseJson,
  ValidationError,
} from '@vigil/contracts';
import type { Bus } from '@vigil/platform';
import type { PreviewRead, PreviewSources } from './rule-preview';
import type { SampleGate } from './sample-gate';
import { readRecentSamples } from './sample-history';

/**
 * A rule preview's reads, from the streams every replica reads (so any replica answers, the
 * evaluator or not): the samples through the identity gate (a refused batch is passed over, not
 * reported again), the node and backup events from the start of the EVENTS stream. Nothing is
 * parked: what is invalid is the live readers' to park.
 */
export function streamPreviewSources(bus: Bus, gate: SampleGate): PreviewSources {
  return {
    async samples(since, see, running) {
      await gate.start();
      const { admit, release } = gate.quietAdmission();
      try {
        return await readRecentSamples(bus, since, see, running, admit, { parkInvalid: false });
      } finally {
        release();
      }
    },
    nodeEvents: (see, running) => readHistory(bus, 'node', nodeEvents, see, running),
    backupEvents: (see, running) => readHistory(bus, 'backup', backupEvents, see, running),
  };
}

/** A context's events from the first to the last stored when the read began, in pulls of 1,000. */
async function readHistory<E extends DomainEvent>(
  bus: Bus,
  context: Context,
  catalog: EventCatalog<E>,
  see: (event: E) => void,
  running: () => boolean,
): Promise<PreviewRead> {
  const { js, jsm, topology } = bus;
  const stream = topology.streams.events;
  const subject = topology.subjects.eventsOf(context);
  const last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
  if (!last) return { read: 0, complete: true };
  const consumer = await js.consumers.get(stream, {
    filter_subjects: subject,
    deliver_policy: DeliverPolicy.All,
  });
  let read = 0;
  let reached = false;
  while (!reached && running()) {
    let got = 0;
    for await (const m of await consumer.fetch({ max_messages: 1000, expires: 2000 })) {
      got++;
      if (m.seq <= last.seq) {
        read++;
        const event = readable(catalog, m.data);
        if (event) see(event);
      }
      // The fetch would otherwise wait out its expiry for messages the read does not want.
      if (m.seq >= last.seq) {
        reached = true;
        break;
      }
    }
    if (got === 0) break;
  }
  return { read, complete: reached };
}

/** The event, or undefined for one the catalog refuses (the live readers park it). */
function readable<E extends DomainEvent>(catalog: EventCatalog<E>, data: Uint8Array): E | undefined {
  try {
    return catalog.read(parseJson(data, 'event'));
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return undefined;
  }
}
