import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { decodeSampleBatch, type SampleBatch, ValidationError } from '@vigil/contracts';
import type { Bus } from '@vigil/platform';

/**
 * The sample batches the TELEMETRY stream received since `since` (Unix ms), up to its last
 * message when the read began, each with the time the stream stored it. An invalid batch is
 * parked (once: the park's message id is the stream sequence); one `admit` refuses (the
 * identity gate) is passed over. Reads in pulls of 1,000 and stops when told to. Returns how
 * many messages it read.
 */
export async function readRecentSamples(
  bus: Bus,
  since: number,
  see: (batch: SampleBatch, receivedAt: number) => void,
  running: () => boolean,
  admit: (msg: JsMsg, batch: SampleBatch) => Promise<boolean>,
  { parkInvalid = true }: { parkInvalid?: boolean } = {},
): Promise<number> {
  const { js, jsm, topology } = bus;
  const stream = topology.streams.telemetry;
  const end = (await jsm.streams.info(stream)).state.last_seq;
  if (end === 0) return 0;
  const consumer = await js.consumers.get(stream, {
    filter_subjects: topology.subjects.allSamples(),
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(since).toISOString(),
  });
  // Nothing stored since: a fetch would wait out its expiry.
  if ((await consumer.info()).num_pending === 0) return 0;
  const take = async (m: JsMsg) => {
    let batch: SampleBatch;
    try {
      batch = decodeSampleBatch(m.data);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      if (parkInvalid) await bus.dlq.parkMessage(m, 'invalid_payload', e.message, stream);
      return;
    }
    if (await admit(m, batch)) see(batch, Math.floor(m.info.timestampNanos / 1e6));
  };
  let read = 0;
  for (let done = false; !done && running();) {
    let got = 0;
    for await (const m of await consumer.fetch({ max_messages: 1000, expires: 2000 })) {
      got++;
      read++;
      if (m.seq <= end) await take(m);
      // The last wanted: the fetch would otherwise wait out its expiry for messages not wanted.
      if (m.seq >= end || m.info.pending === 0) {
        done = true;
        break;
      }
    }
    if (got === 0) done = true;
  }
  return read;
}
