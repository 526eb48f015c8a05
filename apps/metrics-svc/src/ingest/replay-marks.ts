import { type ReplayGuard, type ReplayMark, REPLAY_MARKS_PRUNE_BATCH, replayMarkPruneBefore } from '@vigil/contracts';
import type { Database } from '@vigil/platform';
import type { EntityManager } from 'typeorm';

/**
 * The durable replay marks of the ingest (`metrics.replay_marks`, the only code that writes
 * them besides IdentityGate's projection, which deletes a node's row on a new key or a
 * revocation).
 *
 * Why in Postgres, in the flush transaction: a partition's data and its resume position
 * become durable together there, and a new run re-reads the stream from that position. The
 * marks it needs are those as they were at that very position: a later mark would refuse the
 * re-read originals (samples lost), an earlier one would take a copy of a message already
 * counted (samples counted twice). Written anywhere else (Redis, a separate transaction) they
 * drift from the position on a crash between the two writes. One statement per flush, none
 * per message.
 *
 * Pruned (`prune`, in the flush transaction, so against the very position stored with them):
 * a new run re-reads the partition from its resume position R and must decide every message
 * after R as the first reading did. The partition's newest mark N was taken at or before R, so
 * every message re-read was stored at or after N was, and N was fresh when stored (its signed
 * time within the skew of that): each re-read message was stored at or after N.signedAt − skew.
 * That is the `oldestReadable` of replayMarkPruneBefore (libs/contracts), whose reasoning
 * says why a mark signed before it minus the skew refuses nothing: marks signed more than twice
 * the skew (and a margin) before the partition's newest go. The bound needs no clock but the
 * signatures' and holds however far behind R is (an outage: the re-read is older than the wall
 * clock, and marks older than the wall clock minus the skew are still needed then). The
 * TELEMETRY stream's max age only shortens what a re-read can see, so it never makes a pruned
 * mark needed again; a partition that went quiet keeps its last marks (at most the nodes
 * heard within twice the skew before it did) until a node speaks there again.
 */
export class ReplayMarks {
  constructor(
    private readonly db: Database,
    private readonly skewMs: number,
  ) {}

  /** The partition's marks into `guard` (a new run of the partition). */
  async seed(partition: number, guard: ReplayGuard): Promise<number> {
    const rows = await this.db.query<{
      node_id: string;
      boot: string;
      seq: string;
      stream_seq: string;
      signed_at: Date;
    }>(
      'replay_marks_load',
      'SELECT node_id, boot, seq, stream_seq, signed_at FROM metrics.replay_marks WHERE partition = $1',
      [partition],
    );
    for (const r of rows)
      guard.seed(r.node_id, {
        boot: Number(r.boot),
        seq: Number(r.seq),
        streamSeq: Number(r.stream_seq),
        signedAt: r.signed_at.getTime(),
      });
    return rows.length;
  }

  /** In the flush transaction `tx`: the marks as of the position it stores (see `ReplayGuard.marksThrough`). */
  async write(tx: EntityManager, partition: number, marks: Map<string, ReplayMark>): Promise<void> {
    if (marks.size === 0) return;
    const nodes = [...marks.keys()];
    const values = [...marks.values()];
    await this.db.query(
      'replay_marks_write',
      `INSERT INTO metrics.replay_marks AS m (node_id, partition, boot, seq, stream_seq, signed_at)
         SELECT n, $1, b, s, q, to_timestamp(t / 1000.0)
           FROM unnest($2::text[], $3::int8[], $4::int8[], $5::int8[], $6::float8[]) AS u(n, b, s, q, t)
         ON CONFLICT (node_id) DO UPDATE
           SET partition = excluded.partition, boot = excluded.boot, seq = excluded.seq,
               stream_seq = excluded.stream_seq, signed_at = excluded.signed_at`,
      [
        partition,
        nodes,
        values.map((m) => m.boot),
        values.map((m) => m.seq),
        values.map((m) => m.streamSeq),
        values.map((m) => m.signedAt),
      ],
      tx,
    );
  }

  /**
   * In the flush transaction `tx`, after `write`: deletes at most `batch` of the partition's
   * marks that can refuse nothing a re-read from the stored position reads (see the class).
   * Returns how many went (a full batch: more may be left for the next round).
   */
  async prune(tx: EntityManager, partition: number, batch = REPLAY_MARKS_PRUNE_BATCH): Promise<number> {
    const [newest] = await this.db.query<{ signed_at: Date | null }>(
      'replay_marks_newest',
      'SELECT max(signed_at) AS signed_at FROM metrics.replay_marks WHERE partition = $1',
      [partition],
      tx,
    );
    if (!newest?.signed_at) return 0;
    const before = replayMarkPruneBefore(newest.signed_at.getTime() - this.skewMs, this.skewMs);
    const [gone] = await this.db.query<{ n: number }>(
      'replay_marks_prune',
      `WITH gone AS (
         DELETE FROM metrics.replay_marks
          WHERE ctid = ANY(ARRAY(SELECT ctid FROM metrics.replay_marks
                                  WHERE partition = $1 AND signed_at < to_timestamp($2 / 1000.0) LIMIT $3))
          RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [partition, before, batch],
      tx,
    );
    return gone.n;
  }
}
