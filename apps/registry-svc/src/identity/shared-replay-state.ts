import {
  type MessageStamp,
  replayedStamp,
  staleStamp,
  type TelemetrySubject,
  type ViolationReason,
} from '@vigil/contracts';
import type { Database } from '@vigil/platform';

/**
 * In one statement, for several (node, kind) pairs, each under its row's lock (taken in key
 * order): each pair's mark before (if any), and whether its stamp became the mark. It does
 * when it is after the mark and further on in the stream. Per pair, exactly the rule of a
 * statement for that pair alone; pairs are distinct within a statement.
 */
const TAKE = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], $5::int8[], $6::float8[])
    WITH ORDINALITY AS u(node_id, kind, boot, seq, stream_seq, signed_ms, i)
), prev AS (
  SELECT m.node_id, m.kind, m.boot, m.seq, m.stream_seq
    FROM registry.replay_marks m JOIN input i ON i.node_id = m.node_id AND i.kind = m.kind
   ORDER BY m.node_id, m.kind
     FOR UPDATE OF m
), up AS (
  INSERT INTO registry.replay_marks AS m (node_id, kind, boot, seq, stream_seq, signed_at)
  SELECT i.node_id, i.kind, i.boot, i.seq, i.stream_seq, to_timestamp(i.signed_ms / 1000.0)
    FROM input i
   WHERE NOT EXISTS (SELECT 1 FROM prev p WHERE p.node_id = i.node_id AND p.kind = i.kind
                        AND (i.stream_seq <= p.stream_seq OR (i.boot, i.seq) <= (p.boot, p.seq)))
   ORDER BY i.node_id, i.kind
  ON CONFLICT (node_id, kind) DO UPDATE
     SET boot = excluded.boot, seq = excluded.seq, stream_seq = excluded.stream_seq, signed_at = excluded.signed_at
   WHERE (excluded.boot, excluded.seq) > (m.boot, m.seq) AND excluded.stream_seq > m.stream_seq
  RETURNING m.node_id, m.kind
)
SELECT i.i::int AS i, (u.node_id IS NOT NULL) AS taken, p.boot, p.seq, p.stream_seq
  FROM input i
  LEFT JOIN prev p ON p.node_id = i.node_id AND p.kind = i.kind
  LEFT JOIN up u ON u.node_id = i.node_id AND u.kind = i.kind`;

/** Stamps one statement takes at most. */
const TAKE_BATCH = 500;
/** A node's first message racing another one's insert finds neither: asked again this often. */
const TAKE_ATTEMPTS = 3;

type Refusal = { reason: ViolationReason; detail: string };

interface PendingTake {
  key: string;
  kind: TelemetrySubject['kind'];
  nodeId: string;
  stamp: MessageStamp;
  at: { streamSeq: number; storedAt: number };
  attempts: number;
  resolve: (r: Refusal | undefined) => void;
  reject: (e: unknown) => void;
}

/**
 * ReplayGuard's rule (libs/contracts identity/replay-guard.ts) with the last (boot, seq,
 * stream seq) of each node and consumer in Postgres (`registry.replay_marks`): registry-svc's
 * replicas share a durable consumer per kind of message, so a copy may reach another replica
 * than its original, and a restarted replica, or one that lost Redis, must still know what was
 * taken. It was in Redis with an expiry: a Redis restart forgot it. Postgres is where the
 * effects of a heartbeat are durable (the node's events, its read model), and a mark written
 * there is kept until nothing it could refuse can still be read (ReplayMarksPruner), or the
 * node's identity changes: one row per enrolled node and kind (only a verified signature
 * reaches it), deleted on a new key or a revocation.
 *
 * Coalesced: one statement at a time per replica, taking every check that arrived while the
 * previous one ran (up to TAKE_BATCH, one per node and kind; a node's later messages wait for
 * the next statement, in the order they came). Exact as one statement per message was: each
 * pair is decided by the same rule under its row's lock, a node's messages in their order of
 * arrival, and no caller has its answer (so acts on, or acks, its message) before the statement
 * that wrote its mark committed. What survives a restart is the same: every mark a caller was
 * answered on. Idle, a check goes out at once (no added wait); busy, N handlers cost one
 * statement instead of N.
 */
export class SharedReplayState {
  private queue: PendingTake[] = [];
  private running = false;

  constructor(
    private readonly db: Database,
    private readonly skewMs: number,
  ) {}

  check(
    kind: TelemetrySubject['kind'],
    nodeId: string,
    stamp: MessageStamp,
    at: { streamSeq: number; storedAt: number },
  ): Promise<Refusal | undefined> {
    const stale = staleStamp(nodeId, stamp, at.storedAt, this.skewMs);
    if (stale) return Promise.resolve(stale);
    return new Promise((resolve, reject) => {
      this.queue.push({ key: `${kind}\n${nodeId}`, kind, nodeId, stamp, at, attempts: 0, resolve, reject });
      this.pump();
    });
  }

  /** Sends the next statement unless one runs: the queue's first check of each pair, in order. */
  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    const batch: PendingTake[] = [];
    const rest: PendingTake[] = [];
    const keys = new Set<string>();
    for (const p of this.queue) {
      if (batch.length < TAKE_BATCH && !keys.has(p.key)) {
        keys.add(p.key);
        batch.push(p);
      } else {
        rest.push(p);
      }
    }
    this.queue = rest;
    this.running = true;
    void this.take(batch).finally(() => {
      this.running = false;
      this.pump();
    });
  }

  private async take(batch: PendingTake[]): Promise<void> {
    batch.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let rows: { i: number; taken: boolean; boot: string | null; seq: string | null; stream_seq: string | null }[];
    try {
      rows = await this.db.query('replay_mark_take', TAKE, [
        batch.map((p) => p.nodeId),
        batch.map((p) => p.kind),
        batch.map((p) => p.stamp.boot),
        batch.map((p) => p.stamp.seq),
        batch.map((p) => p.at.streamSeq),
        batch.map((p) => p.stamp.signedAt),
      ]);
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    const retry: PendingTake[] = [];
    for (const row of rows) {
      const p = batch[row.i - 1];
      if (row.taken) p.resolve(undefined);
      else if (row.stream_seq === null) {
        // Neither a mark nor its own row: another one's first insert raced it; read again
        // (before the node's later messages, which wait behind it).
        if (++p.attempts < TAKE_ATTEMPTS) retry.push(p);
        else p.reject(new Error(`replay mark of ${p.nodeId} (${p.kind}) neither found nor written`));
      }
      // A redelivery, or a message handled out of order: at or before the mark's position.
      else if (p.at.streamSeq <= Number(row.stream_seq)) p.resolve(undefined);
      else p.resolve(replayedStamp(p.nodeId, p.stamp, { boot: Number(row.boot), seq: Number(row.seq) }));
    }
    this.queue.unshift(...retry);
  }

  /** A new key, or a revocation: the node's history starts anew. */
  async forget(nodeId: string): Promise<void> {
    await this.db.query('replay_marks_forget', 'DELETE FROM registry.replay_marks WHERE node_id = $1', [nodeId]);
  }
}
