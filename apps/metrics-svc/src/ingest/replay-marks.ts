import type { ReplayGuard, ReplayMark } from '@vigil/contracts';
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
 */
export class ReplayMarks {
  constructor(private readonly db: Database) {}

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
}
