import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';
import type { BackupManifest } from '@vigil/contracts';
import type { WrittenArtifact } from '../store/artifact-store';
import { StepError } from '../tool-error';

export type StreamRange = NonNullable<BackupManifest['events']>;

/**
 * One message of an exported stream, one JSON line each in a gzip file: its sequence, its subject
 * as production names it (no test prefix), its time, headers and payload (base64).
 */
interface ArchivedMessage {
  seq: number;
  subject: string;
  time: string;
  headers?: [string, string[]][];
  data: string;
}

/** Headers that only made sense to the original publish (its optimistic-concurrency checks). */
const PUBLISH_ONLY = /^Nats-Expected-/i;
const IN_FLIGHT = 256;
const MAX_LINE = 16 * 1024 * 1024;

/**
 * Exports `stream` from its first message to the last one there is when the export starts, in
 * order, through an ordered consumer; later messages belong to the next backup.
 */
export async function exportStream(opts: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  /** The subject as production names it (Topology.unprefixed). */
  unprefixed: (subject: string) => string;
  write: (archive: Readable) => Promise<WrittenArtifact>;
}): Promise<{ artifact: WrittenArtifact; range: StreamRange }> {
  const info = await opts.jsm.streams.info(opts.stream).catch((e: Error) => {
    throw new StepError('events.export', `stream ${opts.stream}: ${e.message}`);
  });
  const { first_seq: firstSeq, last_seq: lastSeq, messages } = info.state;
  const range: StreamRange =
    messages === 0
      ? { stream: opts.stream, firstSeq: 0, lastSeq: 0, messages: 0 }
      : {
          stream: opts.stream,
          firstSeq,
          lastSeq,
          messages,
        };
  let exported = 0;
  async function* lines(): AsyncGenerator<string> {
    if (range.messages === 0) return;
    const consumer = await opts.js.consumers.get(opts.stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: firstSeq,
    });
    const iter = await consumer.consume();
    try {
      for await (const m of iter) {
        if (m.seq > lastSeq) break;
        const line: ArchivedMessage = {
          seq: m.seq,
          subject: opts.unprefixed(m.subject),
          time: m.time.toISOString(),
          data: Buffer.from(m.data).toString('base64'),
        };
        if (m.headers) line.headers = [...(m.headers as Iterable<[string, string[]]>)];
        exported++;
        yield `${JSON.stringify(line)}\n`;
        if (m.seq === lastSeq) break;
      }
    } finally {
      await iter.close();
    }
  }
  const artifact = await opts.write(Readable.from(lines()).pipe(createGzip()));
  if (exported !== range.messages)
    throw new StepError('events.export', `read ${exported} messages of ${opts.stream}, expected ${range.messages}`);
  return { artifact, range };
}

/**
 * Publishes an exported stream's messages, in order, to `subjectFor(subject)` (subjects that a
 * stream of the caller holds), and checks the archive against `expected`: every sequence inside
 * the range and rising, the count, the last sequence, and each message stored as a new one at the
 * same distance from the target's first sequence as from the original's (a fresh stream replayed
 * from an original that starts at 1 gets the original sequence numbers back).
 */
export async function replayStream(opts: {
  js: JetStreamClient;
  archive: Readable;
  expected: StreamRange;
  subjectFor: (subject: string) => string;
  /** The target stream's next sequence before the replay (1 for a fresh stream). */
  targetFirstSeq: number;
}): Promise<{ messages: number }> {
  const lines = createInterface({ input: opts.archive.pipe(createGunzip()), crlfDelay: Infinity });
  const pending: Promise<void>[] = [];
  let count = 0;
  let previous = 0;
  let failure: unknown;
  const fail = (message: string): never => {
    throw new StepError('events.replay', message);
  };
  try {
    for await (const text of lines) {
      if (failure) throw failure;
      if (text.length > MAX_LINE) fail(`line ${count + 1} is longer than ${MAX_LINE} bytes`);
      let m: ArchivedMessage;
      try {
        m = JSON.parse(text) as ArchivedMessage;
      } catch {
        return fail(`line ${count + 1} is not JSON (the archive is corrupt)`);
      }
      if (!Number.isSafeInteger(m.seq) || m.seq <= previous)
        fail(`line ${count + 1}: sequence ${m.seq} after ${previous}`);
      if (m.seq < opts.expected.firstSeq || m.seq > opts.expected.lastSeq)
        fail(`sequence ${m.seq} is outside ${opts.expected.firstSeq}-${opts.expected.lastSeq}`);
      previous = m.seq;
      const want = opts.targetFirstSeq + (m.seq - opts.expected.firstSeq);
      count++;
      const h = natsHeaders();
      for (const [k, values] of m.headers ?? []) if (!PUBLISH_ONLY.test(k)) for (const v of values) h.append(k, v);
      pending.push(
        opts.js
          .publish(opts.subjectFor(m.subject), Buffer.from(m.data, 'base64'), { headers: hasAny(h) ? h : undefined })
          .then((ack) => {
            if (ack.duplicate) failure ??= new StepError('events.replay', `sequence ${m.seq} was taken as a duplicate`);
            else if (ack.seq !== want)
              failure ??= new StepError(
                'events.replay',
                `sequence ${m.seq} was stored at ${ack.seq}, expected ${want}`,
              );
          }),
      );
      if (pending.length >= IN_FLIGHT) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending.splice(0));
  } catch (e) {
    await Promise.allSettled(pending);
    if (e instanceof StepError) throw e;
    throw new StepError('events.replay', (e as Error).message);
  }
  if (failure) throw failure;
  if (count !== opts.expected.messages)
    fail(`the archive holds ${count} messages, the manifest says ${opts.expected.messages}`);
  if (count > 0 && previous !== opts.expected.lastSeq)
    fail(`the archive ends at sequence ${previous}, the manifest says ${opts.expected.lastSeq}`);
  return { messages: count };
}

const hasAny = (h: MsgHdrs): boolean => h.keys().length > 0;
