import type { ViolationReason } from './identity.events';
import type { MessageStamp } from './signature';

/** The skew window unless a service is told otherwise (VIGIL_SIGNATURE_SKEW_MS). */
export const DEFAULT_SIGNATURE_SKEW_MS = 5 * 60_000;

type Refusal = { reason: ViolationReason; detail: string };

/** `stale` when the signed time is further than `skewMs` from the time the stream stored the message. */
export function staleStamp(nodeId: string, stamp: MessageStamp, storedAt: number, skewMs: number): Refusal | undefined {
  const skew = stamp.signedAt - storedAt;
  if (Math.abs(skew) <= skewMs) return undefined;
  return {
    reason: 'stale',
    detail: `node ${nodeId}'s message was signed ${Math.round(skew / 1000)} s from when it was stored (window ±${Math.round(skewMs / 1000)} s)`,
  };
}

/** `replayed`: the detail for a stamp not after the last taken (boot, seq). */
export function replayedStamp(nodeId: string, stamp: MessageStamp, last: { boot: number; seq: number }): Refusal {
  return {
    reason: 'replayed',
    detail: `node ${nodeId}'s message ${stamp.boot}/${stamp.seq} is not after the last taken, ${last.boot}/${last.seq}`,
  };
}

/** The last message of a node a consumer took: its stamp and where the stream holds it. */
export interface ReplayMark {
  boot: number;
  seq: number;
  signedAt: number;
  streamSeq: number;
}
type LastAccepted = ReplayMark;

export interface ReplayGuardOptions {
  /**
   * Keep, in stream order, every mark taken, so that `marksThrough` can say what the marks
   * were at an earlier stream position (what a consumer that makes its position durable
   * must store with it: metrics-svc's flush).
   */
  journal?: boolean;
}

/**
 * Refuses a signed agent message that is a copy of one already taken, for one consumer of
 * the stream (its own instance per consumer: registry-svc's heartbeat, inventory and agent
 * event consumers, each metrics-svc replica, alert-svc's evaluator).
 *
 * - Fresh: the signed time must lie within `skewMs` of the time JetStream stored the message
 *   (not the consumer's clock: a backlog read after an outage is old but was fresh when
 *   stored). A copy republished later than that is `stale`.
 * - In order: per node, the last accepted (boot, seq) and its stream sequence. A message
 *   further on in the stream must carry a greater (boot, seq), else it is `replayed`. A message
 *   at or before the last accepted position is a redelivery, a message processed out of order
 *   (concurrent handlers) or a consumer re-reading: it is taken without the order check, and
 *   changes nothing. A consumer that re-reads past messages it refused must `forget` their
 *   nodes first (metrics-svc does when it reloads a partition), or it would take them.
 *
 * Bounded: one entry per node whose signed message was taken (a verified signature: enrolled
 * nodes only), dropped once its last message is older than the window, since from then on
 * any copy of it is stale anyway.
 */
export class ReplayGuard {
  private readonly last = new Map<string, LastAccepted>();
  private checks = 0;
  /** With `journal`: the nodes and marks taken, in the order taken (stream order for an ordered reader). */
  private journalNodes: string[] = [];
  private journalMarks: ReplayMark[] = [];
  private readonly journal: boolean;

  constructor(
    private readonly skewMs = DEFAULT_SIGNATURE_SKEW_MS,
    options: ReplayGuardOptions = {},
  ) {
    this.journal = options.journal ?? false;
  }

  /**
   * Starts from a mark made durable before (a restart, a takeover): a message further on in
   * the stream must carry a greater (boot, seq). A newer mark already held is kept.
   */
  seed(nodeId: string, mark: ReplayMark): void {
    const last = this.last.get(nodeId);
    if (last && (last.boot > mark.boot || (last.boot === mark.boot && last.seq >= mark.seq))) return;
    this.last.set(nodeId, { ...mark });
  }

  check(nodeId: string, stamp: MessageStamp, at: { streamSeq: number; storedAt: number }): Refusal | undefined {
    if (++this.checks % 1024 === 0) this.prune(at.storedAt);
    const stale = staleStamp(nodeId, stamp, at.storedAt, this.skewMs);
    if (stale) return stale;
    const last = this.last.get(nodeId);
    if (last && at.streamSeq <= last.streamSeq) return undefined;
    if (last && (stamp.boot < last.boot || (stamp.boot === last.boot && stamp.seq <= last.seq))) {
      return replayedStamp(nodeId, stamp, last);
    }
    const mark = { boot: stamp.boot, seq: stamp.seq, signedAt: stamp.signedAt, streamSeq: at.streamSeq };
    this.last.set(nodeId, mark);
    if (this.journal) {
      this.journalNodes.push(nodeId);
      this.journalMarks.push(mark);
    }
    return undefined;
  }

  /**
   * With `journal`: the last mark of each node taken at or before stream position `streamSeq`
   * since the previous call, and those entries leave the journal. What a consumer stores with
   * a durable position `streamSeq`: re-reading from there with these marks seeded decides
   * every message as the first reading did.
   */
  marksThrough(streamSeq: number): Map<string, ReplayMark> {
    const out = new Map<string, ReplayMark>();
    let i = 0;
    for (; i < this.journalMarks.length && this.journalMarks[i].streamSeq <= streamSeq; i++)
      out.set(this.journalNodes[i], this.journalMarks[i]);
    if (i > 0) {
      this.journalNodes = this.journalNodes.slice(i);
      this.journalMarks = this.journalMarks.slice(i);
    }
    return out;
  }

  /** Puts back a mark `marksThrough` handed out and its taker could not store (a later one of the node wins). */
  rejournal(nodeId: string, mark: ReplayMark): void {
    if (!this.journal) return;
    this.journalNodes.unshift(nodeId);
    this.journalMarks.unshift(mark);
  }

  /** Marks taken and not yet handed out by `marksThrough`. */
  get journalLength(): number {
    return this.journalMarks.length;
  }

  forget(nodeId: string): void {
    this.last.delete(nodeId);
    if (this.journal && this.journalNodes.includes(nodeId)) {
      const keep = this.journalNodes.map((n) => n !== nodeId);
      this.journalNodes = this.journalNodes.filter((_, i) => keep[i]);
      this.journalMarks = this.journalMarks.filter((_, i) => keep[i]);
    }
  }

  /** Forgets the nodes `which` selects (those of a partition a consumer is about to re-read). */
  forgetWhere(which: (nodeId: string) => boolean): void {
    for (const nodeId of this.last.keys()) if (which(nodeId)) this.last.delete(nodeId);
  }

  get size(): number {
    return this.last.size;
  }

  /** Drops the nodes whose last message is beyond the window of `now` (a stream time). */
  prune(now: number): void {
    for (const [nodeId, last] of this.last) if (now - last.signedAt > this.skewMs) this.last.delete(nodeId);
  }
}

/**
 * Stored marks (a consumer's durable replay state) pruned per statement at most: a prune is a
 * batch of this many rows, repeated next round while it finds full batches.
 */
export const REPLAY_MARKS_PRUNE_BATCH = 1000;

/**
 * Slack for clocks that are not the stream's: a consumer's or Postgres' clock against the
 * JetStream server's, and stream times that are not quite monotonic across a leader change.
 */
export const REPLAY_MARK_PRUNE_MARGIN_MS = 60_000;

/**
 * The signed time before which a stored mark can refuse nothing a consumer may still read,
 * given `oldestReadable`: a lower bound of the time the stream stored every message the
 * consumer may still read (or read again).
 *
 * A mark refuses only a message X that is not stale (X.signedAt ≥ X.storedAt − skew ≥
 * oldestReadable − skew) and is a copy of one of the node's messages up to the mark, so signed
 * at or before it (X.signedAt ≤ mark.signedAt: the agent's clock moves forward; ReplayGuard's
 * own pruning rests on the same). A mark signed before oldestReadable − skew therefore refuses
 * nothing: a copy of anything it covers is stale by then, and a new message of its node is
 * taken with or without it. Dropping it changes no decision.
 */
export function replayMarkPruneBefore(
  oldestReadable: number,
  skewMs: number,
  marginMs = REPLAY_MARK_PRUNE_MARGIN_MS,
): number {
  return oldestReadable - skewMs - marginMs;
}
