import {
  type MessageStamp,
  replayedStamp,
  staleStamp,
  type TelemetrySubject,
  type ViolationReason,
} from '@vigil/contracts';
import type { Database } from '@vigil/platform';

/**
 * In one statement, under the row's lock: the node's mark before (if any), and whether this
 * stamp became the mark. It does when it is after the mark and further on in the stream.
 */
const TAKE = `
WITH prev AS (
  SELECT boot, seq, stream_seq FROM registry.replay_marks WHERE node_id = $1::text AND kind = $2::text FOR UPDATE
), up AS (
  INSERT INTO registry.replay_marks AS m (node_id, kind, boot, seq, stream_seq, signed_at)
  SELECT $1::text, $2::text, $3::int8, $4::int8, $5::int8, to_timestamp($6::float8 / 1000.0)
   WHERE NOT EXISTS (SELECT 1 FROM prev WHERE $5::int8 <= prev.stream_seq OR ($3::int8, $4::int8) <= (prev.boot, prev.seq))
  ON CONFLICT (node_id, kind) DO UPDATE
     SET boot = excluded.boot, seq = excluded.seq, stream_seq = excluded.stream_seq, signed_at = excluded.signed_at
   WHERE (excluded.boot, excluded.seq) > (m.boot, m.seq) AND excluded.stream_seq > m.stream_seq
  RETURNING 1
)
SELECT (SELECT count(*) FROM up)::int AS taken, prev.boot, prev.seq, prev.stream_seq
  FROM (SELECT 1) AS one LEFT JOIN prev ON true`;

/**
 * ReplayGuard's rule (libs/contracts identity/replay-guard.ts) with the last (boot, seq,
 * stream seq) of each node and consumer in Postgres (`registry.replay_marks`): registry-svc's
 * replicas share a durable consumer per kind of message, so a copy may reach another replica
 * than its original, and a restarted replica, or one that lost Redis, must still know what was
 * taken. It was in Redis with an expiry: a Redis restart forgot it. Postgres is where the
 * effects of a heartbeat are durable (the node's events, its read model), and a mark written
 * there is kept as long as the node's identity: one row per enrolled node and kind (only a
 * verified signature reaches it), deleted on a new key or a revocation.
 *
 * One statement per signed message (the row lock orders concurrent handlers of one node).
 */
export class SharedReplayState {
  constructor(
    private readonly db: Database,
    private readonly skewMs: number,
  ) {}

  async check(
    kind: TelemetrySubject['kind'],
    nodeId: string,
    stamp: MessageStamp,
    at: { streamSeq: number; storedAt: number },
  ): Promise<{ reason: ViolationReason; detail: string } | undefined> {
    const stale = staleStamp(nodeId, stamp, at.storedAt, this.skewMs);
    if (stale) return stale;
    // A first message of the node racing another one's insert finds neither a mark nor its
    // own row: read again (the other one's row is there then).
    for (let attempt = 0; attempt < 3; attempt++) {
      const [row] = await this.db.query<{
        taken: number;
        boot: string | null;
        seq: string | null;
        stream_seq: string | null;
      }>('replay_mark_take', TAKE, [nodeId, kind, stamp.boot, stamp.seq, at.streamSeq, stamp.signedAt]);
      if (row.taken > 0) return undefined;
      if (row.stream_seq === null) continue;
      // A redelivery, or a message handled out of order: at or before the mark's position.
      if (at.streamSeq <= Number(row.stream_seq)) return undefined;
      return replayedStamp(nodeId, stamp, { boot: Number(row.boot), seq: Number(row.seq) });
    }
    throw new Error(`replay mark of ${nodeId} (${kind}) neither found nor written`);
  }

  /** A new key, or a revocation: the node's history starts anew. */
  async forget(nodeId: string): Promise<void> {
    await this.db.query('replay_marks_forget', 'DELETE FROM registry.replay_marks WHERE node_id = $1', [nodeId]);
  }
}
