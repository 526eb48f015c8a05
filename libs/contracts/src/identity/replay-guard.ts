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

interface LastAccepted {
  boot: number;
  seq: number;
  signedAt: number;
  streamSeq: number;
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

  constructor(private readonly skewMs = DEFAULT_SIGNATURE_SKEW_MS) {}

  check(nodeId: string, stamp: MessageStamp, at: { streamSeq: number; storedAt: number }): Refusal | undefined {
    if (++this.checks % 1024 === 0) this.prune(at.storedAt);
    const stale = staleStamp(nodeId, stamp, at.storedAt, this.skewMs);
    if (stale) return stale;
    const last = this.last.get(nodeId);
    if (last && at.streamSeq <= last.streamSeq) return undefined;
    if (last && (stamp.boot < last.boot || (stamp.boot === last.boot && stamp.seq <= last.seq))) {
      return replayedStamp(nodeId, stamp, last);
    }
    this.last.set(nodeId, { boot: stamp.boot, seq: stamp.seq, signedAt: stamp.signedAt, streamSeq: at.streamSeq });
    return undefined;
  }

  forget(nodeId: string): void {
    this.last.delete(nodeId);
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
