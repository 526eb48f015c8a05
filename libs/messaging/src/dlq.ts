import { type DlqReason, DlqHeaders, isJetStreamControlHeader, type Topology } from '@vigil/contracts';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { errors as natsErrors, headers, type MsgHdrs } from '@nats-io/nats-core';
import { injectTraceHeaders } from '@vigil/telemetry';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

/** What parking keeps of a JetStream message: its subject, bytes, headers and stream sequence (and when it was stored). */
export type ParkableMessage = Pick<JsMsg, 'subject' | 'data' | 'headers' | 'seq'> & {
  readonly info?: { readonly timestampNanos: number };
  /** Tells the server the message is still being worked on (its ack wait starts again). */
  working?: () => void;
};

export interface ParkOptions {
  /** The consumer (or reader) that refused it: provenance only. */
  consumer?: string;
  /** How many times it was redriven before this parking (a re-park after a redrive: one more). */
  redrives?: number;
}

/** Why a park failed, as the `reason` label of vigil_dlq_park_failures_total. */
export type ParkFailure = 'no_stream' | 'permission' | 'timeout' | 'refused' | 'closed' | 'error';

/** Parking failed: the message was not parked and must not be acknowledged (the caller reads it again). */
export class DlqParkError extends Error {
  constructor(
    readonly failure: ParkFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DlqParkError';
  }
}

/** The original headers a copy keeps at most (bytes, names and values): the rest is counted, not kept. */
export const DLQ_ORIGINAL_HEADERS_MAX_BYTES = 16 * 1024;
/** Room left for the provenance headers and the header block's framing. */
const PROVENANCE_RESERVE_BYTES = 4 * 1024;

/** The bytes a header block takes on the wire (`NATS/1.0\r\n`, `name: value\r\n` each, `\r\n`). */
export function headerBytes(h: MsgHdrs | undefined): number {
  if (!h) return 0;
  let n = 12;
  for (const [k, v] of h) for (const value of v) n += Buffer.byteLength(k) + Buffer.byteLength(value) + 4;
  return n;
}

export interface DeadLettersOptions {
  /** vigil_dlq_park_failures_total{service,reason}. */
  failures?: Counter<'service' | 'reason'>;
  logger?: Logger;
  /** The wait after a failed park before the next attempt: doubling from this... */
  initialBackoffMs?: number;
  /** ...up to this. */
  maxBackoffMs?: number;
  clock?: () => number;
  /** The largest message the server takes (headers and payload): the connection's `max_payload`. */
  maxPayload?: () => number | undefined;
}

/** The headers of a DLQ copy: provenance, the original headers under a prefix, never a control header. */
export function dlqCopyHeaders(
  msg: ParkableMessage,
  fields: { reason: string; service: string; stream: string; parkedAt: string } & ParkOptions,
): MsgHdrs {
  const h = headers();
  let traced = false;
  let kept = 0;
  let dropped = 0;
  if (msg.headers) {
    for (const [k, v] of msg.headers) {
      // A hostile or buggy sender's own `Vigil-Dlq-*` headers never pass for provenance: they
      // are kept under the prefix like every other header, within a size budget (the copy must
      // fit in a message whatever the original carried).
      for (const value of v) {
        const size = DlqHeaders.originalPrefix.length + Buffer.byteLength(k) + Buffer.byteLength(value) + 4;
        if (kept + size > DLQ_ORIGINAL_HEADERS_MAX_BYTES) {
          dropped++;
          continue;
        }
        kept += size;
        h.append(`${DlqHeaders.originalPrefix}${k}`, value);
      }
      // The trace context is carried as it came, so the parked copy belongs to the original's trace.
      const lower = k.toLowerCase();
      if ((lower === 'traceparent' || lower === 'tracestate') && !isJetStreamControlHeader(k)) {
        for (const value of v) if (value.length <= 512) h.append(lower, value);
        if (lower === 'traceparent') traced = true;
      }
    }
  }
  h.set(DlqHeaders.reason, fields.reason.slice(0, 1024));
  h.set(DlqHeaders.originalSubject, msg.subject);
  h.set(DlqHeaders.service, fields.service);
  h.set(DlqHeaders.parkedAt, fields.parkedAt);
  h.set(DlqHeaders.stream, fields.stream);
  h.set(DlqHeaders.streamSeq, String(msg.seq));
  if (msg.info && Number.isFinite(msg.info.timestampNanos) && msg.info.timestampNanos > 0) {
    h.set(DlqHeaders.storedAt, String(Math.floor(msg.info.timestampNanos / 1e6)));
  }
  if (fields.consumer) h.set(DlqHeaders.consumer, fields.consumer.slice(0, 256));
  if (fields.redrives) h.set(DlqHeaders.redrives, String(fields.redrives));
  if (dropped) h.set(DlqHeaders.droppedHeaders, String(dropped));
  if (!traced) injectTraceHeaders(h);
  return h;
}

/** The original headers a DLQ copy holds under its prefix (what a redrive hands the handler again). */
export function originalHeadersOf(dlqHeaders: MsgHdrs | undefined): MsgHdrs {
  const h = headers();
  if (!dlqHeaders) return h;
  const prefix = DlqHeaders.originalPrefix.toLowerCase();
  for (const [k, v] of dlqHeaders) {
    if (!k.toLowerCase().startsWith(prefix)) continue;
    for (const value of v) h.append(k.slice(prefix.length), value);
  }
  return h;
}

/** Names a publish failure for the metric and the alarm (what an operator must fix). */
export function classifyParkFailure(e: unknown): ParkFailure {
  const err = e as Error & { code?: string; api_error?: { err_code?: number }; cause?: unknown };
  const text = `${err?.name ?? ''} ${err?.message ?? ''} ${(err?.cause as Error | undefined)?.message ?? ''}`;
  if (
    e instanceof natsErrors.PermissionViolationError ||
    err?.cause instanceof natsErrors.PermissionViolationError ||
    /permission/i.test(text)
  )
    return 'permission';
  if (
    e instanceof natsErrors.NoRespondersError ||
    (e instanceof natsErrors.RequestError && e.isNoResponders()) ||
    /no responders|no stream|503/i.test(text)
  )
    return 'no_stream';
  if (e instanceof natsErrors.TimeoutError || /timeout/i.test(text)) return 'timeout';
  if (/JetStream|api error|wrong|expected|maximum/i.test(text)) return 'refused';
  return 'error';
}

/**
 * Parks a message the service cannot accept in `dlq.<service>`: the original bytes, with the
 * reason and provenance in headers. The DLQ publish is a JetStream publish with a message id
 * derived from the origin and the reader, so parking the same delivery twice (after a crash
 * before the ack) stores it once.
 *
 * The copy never carries a JetStream control header (`Nats-Expected-Stream`, `Nats-Msg-Id`,
 * `Nats-Rollup`, ...): the DLQ stream would apply it to the copy and refuse it, and the
 * consumer would read the same message forever. Every original header is kept, inert, under
 * `Vigil-Dlq-Orig-`.
 *
 * When parking fails all the same (no DLQ stream, a permission, a timeout) it throws
 * DlqParkError and the caller leaves the message un-acknowledged (it is read again). The
 * next park of this service then first waits out a backoff (doubling, capped) shared by every
 * consumer of the process: a consumer that re-reads the message at once does not spin, each
 * failure is counted (vigil_dlq_park_failures_total) and logged as an alarm, and the first
 * park that works resets it.
 */
export class DeadLetters {
  private consecutiveFailures = 0;
  private retryAt = 0;
  private closed = false;
  private readonly sleepers = new Set<() => void>();
  private readonly clock: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly js: JetStreamClient,
    private readonly topology: Topology,
    private readonly service: string,
    private readonly counter: Counter<'service' | 'reason'>,
    private readonly options: DeadLettersOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.initialBackoffMs = options.initialBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 15_000;
  }

  /** Failed parks in a row (0 once one works). */
  get failuresInARow(): number {
    return this.consecutiveFailures;
  }

  /** Parks `msg`, read from `stream`, with the reason and what went wrong. */
  async parkMessage(
    msg: ParkableMessage,
    reason: DlqReason,
    detail: string,
    stream: string,
    opts: ParkOptions = {},
  ): Promise<void> {
    await this.waitForRetry(msg);
    if (this.closed) throw new DlqParkError('closed', 'the dead-letter queue of this process is closed');
    const h = dlqCopyHeaders(msg, {
      reason: `${reason}: ${detail}`,
      service: this.service,
      stream,
      parkedAt: new Date(this.clock()).toISOString(),
      ...opts,
    });
    // The copy fits in one message: the payload is cut (and said so) when the original was
    // already near the server's limit, since provenance headers were added to it.
    let data = msg.data;
    const max = this.options.maxPayload?.() ?? 1024 * 1024;
    const room = max - headerBytes(h) - PROVENANCE_RESERVE_BYTES;
    if (data.length > room) {
      h.set(DlqHeaders.truncated, String(data.length));
      data = data.subarray(0, Math.max(0, room));
    }
    const redrives = opts.redrives ?? 0;
    // One copy per reader: readers of one service that refuse the same event (a projection and
    // an in-memory feed) each park theirs, so the projection's copy (the one a redrive applies)
    // is never dropped as a duplicate of another reader's.
    const reader = opts.consumer ? `:${opts.consumer.replace(/\s+/g, '-').slice(0, 128)}` : '';
    const msgID = `dlq:${this.service}:${stream}:${msg.seq}${reader}${redrives ? `:r${redrives}` : ''}`;
    const subject = this.topology.subjects.dlq(this.service);
    try {
      await this.js.publish(subject, data, { headers: h, msgID });
    } catch (e) {
      this.failed(e, msg, stream);
    }
    if (this.consecutiveFailures > 0) {
      this.options.logger?.warn(
        { dlq: subject, after_failures: this.consecutiveFailures },
        'dead-letter queue takes messages again',
      );
    }
    this.consecutiveFailures = 0;
    this.retryAt = 0;
    this.counter.inc({ service: this.service, reason });
  }

  /** Ends every wait: parks from now on fail at once (the process is shutting down). */
  close(): void {
    this.closed = true;
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
  }

  private failed(e: unknown, msg: ParkableMessage, stream: string): never {
    const failure = classifyParkFailure(e);
    this.consecutiveFailures++;
    const backoff = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (this.consecutiveFailures - 1));
    this.retryAt = this.clock() + backoff;
    this.options.failures?.inc({ service: this.service, reason: failure });
    this.options.logger?.error(
      {
        alarm: 'dlq_park_failed',
        failure,
        err: { message: (e as Error)?.message, name: (e as Error)?.name },
        dlq: this.topology.subjects.dlq(this.service),
        subject: msg.subject,
        stream,
        seq: msg.seq,
        failures_in_a_row: this.consecutiveFailures,
        retry_in_ms: backoff,
      },
      'cannot park a message in the dead-letter queue: it stays unacknowledged and is retried',
    );
    throw new DlqParkError(failure, `cannot park in ${this.topology.subjects.dlq(this.service)}: ${failure}`, {
      cause: e,
    });
  }

  /** After a failure, the next attempt waits for its turn (keeping the message's ack alive meanwhile). */
  private async waitForRetry(msg: ParkableMessage): Promise<void> {
    while (!this.closed) {
      const wait = this.retryAt - this.clock();
      if (wait <= 0) return;
      try {
        msg.working?.();
      } catch {
        // An ordered consumer's message has nothing to extend.
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.sleepers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(wait, 5000));
        this.sleepers.add(wake);
      });
    }
  }
}
