import type { JetStreamManager, JsMsg, StoredMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import {
  BusyError,
  DLQ_BATCH_MAX,
  DLQ_REDRIVE_BUDGET_MS,
  DLQ_SCAN_MAX,
  DLQ_SHOW_MAX_BYTES,
  type DlqBatchReply,
  type DlqEntry,
  type DlqFilter,
  DlqHeaders,
  NotFoundError,
  type DlqOutcome,
  type DlqReason,
  type DlqCommand,
  type DlqSelection,
  type Topology,
  z,
  type DlqListRequest,
  type DlqListReply,
  type DlqShowReply,
} from '@vigil/contracts';
import type { Logger } from 'pino';
import { type DeadLetters, originalHeadersOf } from './dlq';

/** A message parked in this service's DLQ, with its original headers restored. */
export interface ParkedMessage extends DlqEntry {
  /** The original headers (as the sender set them; control headers included, inert here). */
  headers: MsgHdrs;
  data: Uint8Array;
}

/**
 * The parked message as its consumer first read it (subject, data, headers, stream sequence and
 * time of storage), for a redrive that runs it through the consumer's own checks; `storedAt` is
 * when the original stream stored it (Unix ms), the time its staleness is judged against.
 */
export function parkedOriginal(p: ParkedMessage): { msg: JsMsg; storedAt: number } {
  const storedAt = Date.parse(p.storedAt ?? p.parkedAt);
  const msg = {
    subject: p.originalSubject,
    data: p.data,
    headers: p.headers,
    seq: p.streamSeq,
    time: new Date(storedAt),
    info: { timestampNanos: storedAt * 1e6 },
  } as unknown as JsMsg;
  return { msg, storedAt };
}

/** What a redrive handler made of a parked message. */
export type RedriveResult =
  | { outcome: 'applied' }
  /** It was applied by an earlier redrive (a crash before the DLQ copy was deleted): not again. */
  | { outcome: 'already_applied' }
  /** Refused again, on its content: it is parked again with one more redrive. */
  | { outcome: 'refused'; reason: DlqReason; detail: string };

/** Who asked for a redrive (the admin the gateway authenticated): recorded with what it applied. */
export interface RedriveRequest {
  actor: string;
}

/**
 * Feeds a parked message back through the service's own handling. A failure of the service's
 * infrastructure (Postgres down) throws: the message stays parked, as it was.
 */
export interface RedriveHandler {
  /** Whether it takes this message (by its original stream and subject). */
  accepts(parked: ParkedMessage): boolean;
  redrive(parked: ParkedMessage, request: RedriveRequest): Promise<RedriveResult>;
}

/** How much one redrive may take of the process. */
export interface RedriveBounds {
  /** After this long a redrive takes no further message (DLQ_REDRIVE_BUDGET_MS). */
  budgetMs: number;
  /** What a redrive asked while another runs tells the client to wait (Retry-After). */
  retryAfterSeconds: number;
}

/** Whether `subject` matches the NATS pattern `pattern` (`*` one token, `>` the rest). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return i < s.length;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/**
 * The DLQ operations of one service on its own parked messages (`dlq.<service>` in the DLQ
 * stream): list, show, redrive and purge. They read single messages by sequence (STREAM.MSG.GET
 * with `next_by_subj` = its own DLQ subject) and delete single messages (STREAM.MSG.DELETE),
 * never one that is not its own. A redrive hands each message to the service's handler of its
 * kind, in the order their original stream stored them; one refused again is parked again with
 * its redrive count one higher; the messages a request takes are those stored before it began,
 * so what it parks again is never taken again by the same request (no loop).
 *
 * One redrive at a time per process: a handler holds database connections (the ledger's and its
 * own), so concurrent redrives would take the pool from the service's own work; one asked
 * meanwhile is answered busy (the gateway: 503 with Retry-After). A redrive stops taking messages
 * after `bounds.budgetMs` and answers what it did, with the number left (`remaining`).
 */
export class DlqOperations {
  readonly subject: string;
  private redriving = false;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly topology: Topology,
    readonly service: string,
    private readonly deadLetters: DeadLetters,
    private readonly handlers: RedriveHandler[],
    private readonly logger: Logger,
    private readonly bounds: RedriveBounds = { budgetMs: DLQ_REDRIVE_BUDGET_MS, retryAfterSeconds: 1 },
  ) {
    this.subject = topology.subjects.dlq(service);
  }

  async list(req: z.infer<typeof DlqListRequest>): Promise<z.infer<typeof DlqListReply>> {
    const { found, next } = await this.scan({ reason: req.reason, subject: req.subject }, req.after ?? 0, req.limit);
    return { entries: found.map(({ headers: _h, data: _d, ...entry }) => entry), ...(next ? { next } : {}) };
  }

  async show(req: { seq: number }): Promise<z.infer<typeof DlqShowReply>> {
    const parked = await this.get(req.seq);
    if (!parked) throw new NotFoundError(`no message ${req.seq} in ${this.subject}`);
    const { headers: h, data, ...entry } = parked;
    const headers: Record<string, string[]> = {};
    for (const [k, v] of h) headers[k] = [...v];
    const payload = showPayload(data);
    return { ...entry, headers, payload: { ...payload, truncated: payload.truncated || entry.truncated === true } };
  }

  async redrive(sel: DlqCommand): Promise<DlqBatchReply> {
    if (this.redriving)
      throw new BusyError(
        `busy: a redrive is running in this ${this.service} process; retry in ${this.bounds.retryAfterSeconds} s`,
        this.bounds.retryAfterSeconds,
      );
    this.redriving = true;
    try {
      return await this.redriveBounded(sel);
    } finally {
      this.redriving = false;
    }
  }

  private async redriveBounded(sel: DlqCommand): Promise<DlqBatchReply> {
    const request: RedriveRequest = { actor: sel.actor };
    const deadline = Date.now() + this.bounds.budgetMs;
    const reply = await this.each(sel, { inStreamOrder: true, deadline }, async (p) => {
      if (p.truncated)
        return { outcome: 'failed', detail: 'the payload was cut when it was parked: it cannot be redriven' };
      const handler = this.handlers.find((h) => h.accepts(p));
      if (!handler)
        return { outcome: 'unsupported', detail: `${this.service} has no redrive for ${p.originalSubject}` };
      let result: RedriveResult;
      try {
        result = await handler.redrive(p, request);
      } catch (e) {
        this.logger.warn(
          { err: e, seq: p.seq, subject: p.originalSubject },
          'redrive failed; the message stays parked',
        );
        return { outcome: 'failed', detail: (e as Error).message.slice(0, 500) };
      }
      if (result.outcome === 'refused') {
        await this.deadLetters.parkMessage(
          {
            subject: p.originalSubject,
            data: p.data,
            headers: p.headers,
            seq: p.streamSeq,
            ...(p.storedAt ? { info: { timestampNanos: Date.parse(p.storedAt) * 1e6 } } : {}),
          },
          result.reason,
          result.detail,
          p.stream,
          { consumer: p.consumer, redrives: p.redrives + 1 },
        );
        await this.delete(p.seq);
        return { outcome: 'reparked', detail: `${result.reason}: ${result.detail}`.slice(0, 500) };
      }
      await this.delete(p.seq);
      return { outcome: result.outcome === 'applied' ? 'redriven' : 'already_applied' };
    });
    this.logger.info(
      { dlq: this.subject, actor: sel.actor, counts: reply.counts, remaining: reply.remaining ?? 0 },
      'DLQ redrive',
    );
    return reply;
  }

  async purge(sel: DlqCommand): Promise<DlqBatchReply> {
    const reply = await this.each(sel, { inStreamOrder: false }, async (p) => {
      await this.delete(p.seq);
      return { outcome: 'purged' };
    });
    this.logger.info({ dlq: this.subject, actor: sel.actor, counts: reply.counts }, 'DLQ purge');
    return reply;
  }

  /** One parked message of this service by its DLQ sequence (undefined: none, or another service's). */
  async get(seq: number): Promise<ParkedMessage | undefined> {
    const m = await this.jsm.streams.getMessage(this.topology.streams.dlq, { seq });
    if (!m || m.subject !== this.subject) return undefined;
    return this.parse(m);
  }

  /**
   * Acts on each selected message. `inStreamOrder`: the messages of one original stream in the
   * order that stream stored them (a redrive replays them as the consumer first read them: a
   * node's heartbeat, which registers it, before its inventory), whatever order re-parking gave
   * their copies in the DLQ. `deadline` (ms since the epoch): no message is taken after it (at
   * least one is), the rest counted in `remaining`.
   */
  private async each(
    sel: DlqSelection,
    { inStreamOrder, deadline = Infinity }: { inStreamOrder: boolean; deadline?: number },
    act: (p: ParkedMessage) => Promise<{ outcome: DlqOutcome; detail?: string }>,
  ): Promise<DlqBatchReply> {
    const results: DlqBatchReply['results'] = [];
    let more = false;
    let targets: (ParkedMessage | number)[];
    if (sel.seqs) {
      targets = [];
      for (const seq of [...new Set(sel.seqs)]) targets.push((await this.get(seq)) ?? seq);
    } else {
      // What is stored now: a message parked again by this request lies beyond it.
      const last = (await this.jsm.streams.info(this.topology.streams.dlq)).state.last_seq;
      const scanned = await this.scan(sel.filter ?? {}, 0, DLQ_BATCH_MAX, last);
      targets = scanned.found;
      more = scanned.next !== undefined;
    }
    if (inStreamOrder) {
      const key = (t: ParkedMessage | number) =>
        typeof t === 'number' ? { s: '', q: t } : { s: t.stream, q: t.streamSeq };
      targets = [...targets].sort((x, y) => {
        const [a, b] = [key(x), key(y)];
        return a.s === b.s ? a.q - b.q : a.s < b.s ? -1 : 1;
      });
    }
    let remaining = 0;
    for (const [i, t] of targets.entries()) {
      if (i > 0 && Date.now() >= deadline) {
        remaining = targets.length - i;
        break;
      }
      if (typeof t === 'number') {
        results.push({ seq: t, outcome: 'not_found' });
        continue;
      }
      try {
        results.push({ seq: t.seq, ...(await act(t)) });
      } catch (e) {
        this.logger.warn({ err: e, seq: t.seq }, 'DLQ operation failed');
        results.push({ seq: t.seq, outcome: 'failed', detail: (e as Error).message.slice(0, 500) });
      }
    }
    const counts: Record<string, number> = {};
    for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
    return remaining > 0 ? { results, counts, more: true, remaining } : { results, counts, more };
  }

  /** Messages after `after` matching `filter`, up to `limit`; `next` when there may be more. */
  private async scan(
    filter: DlqFilter,
    after: number,
    limit: number,
    through = Infinity,
  ): Promise<{ found: ParkedMessage[]; next?: number }> {
    const found: ParkedMessage[] = [];
    let cursor = after + 1;
    for (let scanned = 0; scanned < DLQ_SCAN_MAX; scanned++) {
      const m = await this.jsm.streams.getMessage(this.topology.streams.dlq, {
        seq: cursor,
        next_by_subj: this.subject,
      } as unknown as { seq: number });
      if (!m || m.seq > through) return { found };
      cursor = m.seq + 1;
      if (m.subject !== this.subject) continue;
      const p = this.parse(m);
      if (filter.reason && p.reason !== filter.reason) continue;
      if (filter.subject && !subjectMatches(filter.subject, this.unprefixed(p.originalSubject))) continue;
      found.push(p);
      if (found.length >= limit) return { found, next: m.seq };
    }
    return { found, next: cursor - 1 };
  }

  private unprefixed(subject: string): string {
    const prefix = this.topology.prefix ? `${this.topology.prefix}.` : '';
    return prefix && subject.startsWith(prefix) ? subject.slice(prefix.length) : subject;
  }

  private async delete(seq: number): Promise<void> {
    // Only its own: the sequence was read as one of this service's messages just before.
    try {
      await this.jsm.streams.deleteMessage(this.topology.streams.dlq, seq, false);
    } catch (e) {
      // Deleted meanwhile (a concurrent redrive or purge of the same message): what was asked is done.
      if (/no message found|sequence \d+ not found/i.test((e as Error).message)) return;
      throw e;
    }
  }

  private parse(m: StoredMsg): ParkedMessage {
    const h = m.header;
    const get = (name: string) => h?.get(name) ?? '';
    const full = get(DlqHeaders.reason);
    const colon = full.indexOf(': ');
    const storedMs = Number(get(DlqHeaders.storedAt));
    const consumer = get(DlqHeaders.consumer);
    const cutFrom = Number(get(DlqHeaders.truncated));
    return {
      seq: m.seq,
      service: get(DlqHeaders.service) || this.service,
      reason: colon >= 0 ? full.slice(0, colon) : full,
      detail: colon >= 0 ? full.slice(colon + 2) : '',
      originalSubject: get(DlqHeaders.originalSubject),
      stream: get(DlqHeaders.stream),
      streamSeq: Number(get(DlqHeaders.streamSeq)) || 0,
      ...(consumer ? { consumer } : {}),
      parkedAt: get(DlqHeaders.parkedAt) || m.time.toISOString(),
      ...(storedMs > 0 ? { storedAt: new Date(storedMs).toISOString() } : {}),
      redrives: Number(get(DlqHeaders.redrives)) || 0,
      size: cutFrom > 0 ? cutFrom : m.data.length,
      ...(cutFrom > 0 ? { truncated: true } : {}),
      headers: originalHeadersOf(h),
      data: m.data,
    };
  }
}

/** The payload as an answer may show it: JSON when it is JSON, else text or base64, cut to a size. */
export function showPayload(data: Uint8Array): z.infer<typeof DlqShowReply>['payload'] {
  const truncated = data.length > DLQ_SHOW_MAX_BYTES;
  const head = Buffer.from(data.subarray(0, DLQ_SHOW_MAX_BYTES));
  const text = head.toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(head) && !/[\u0000-\u0008\u000e-\u001f]/.test(text);
  if (utf8 && !truncated) {
    try {
      return { encoding: 'json', data: JSON.parse(text) as unknown, truncated };
    } catch {
      // Not JSON: shown as text below.
    }
  }
  if (utf8) return { encoding: 'utf8', data: text, truncated };
  return { encoding: 'base64', data: head.toString('base64'), truncated };
}
