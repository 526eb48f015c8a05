import type { Database } from '@vigil/platform';
import type { EntityManager } from 'typeorm';
import type { FlushPlan, StoredPosition } from './partition-state';

/** Another replica took the partition over: this owner's writes are refused. */
export class PartitionLostError extends Error {
  constructor(partition: number, generation: number, stored: number) {
    super(`partition ${partition} now belongs to generation ${stored}, not ${generation}`);
  }
}

/**
 * The ingest positions (`metrics.ingest_partitions` and `metrics.ingest_flushed`): the only
 * code that writes those tables. The query side and the coarse-tier rollup read
 * `closed_through` and `late_writes` on their own (readRollupState, TierRollup).
 */
export class PartitionPositions {
  constructor(private readonly db: Database) {}

  /** A row for each of the partitions, left as it is where it exists. */
  async ensure(partitions: number): Promise<void> {
    await this.db.query(
      'ingest_partitions_init',
      'INSERT INTO metrics.ingest_partitions (partition) SELECT generate_series(0, $1 - 1) ON CONFLICT DO NOTHING',
      [partitions],
    );
  }

  /**
   * Takes the partition over: a new generation fences any previous owner. Returns it, or
   * undefined (nothing changed) while another owner still holds it: its row names that owner
   * and was written within `liveMs` (each flush writes it, every VIGIL_METRICS_FLUSH_MS). The
   * Redis lease alone cannot tell: a Redis restart frees every lease while their holders
   * still ingest, and taking a live owner's partition costs a hand-over and a re-read.
   * Compared with Postgres' clock only.
   */
  async acquire(partition: number, owner: string, liveMs: number): Promise<number | undefined> {
    const [row] = await this.db.query<{ generation: string }>(
      'ingest_acquire',
      // A SELECT around the UPDATE: TypeORM answers an UPDATE … RETURNING as [rows, count].
      `WITH taken AS (
         UPDATE metrics.ingest_partitions SET generation = generation + 1, owner = $2, updated_at = now()
          WHERE partition = $1
            AND (owner IS NULL OR owner = $2 OR updated_at < now() - $3 * interval '1 millisecond')
          RETURNING generation)
       SELECT generation FROM taken`,
      [partition, owner, liveMs],
    );
    return row ? Number(row.generation) : undefined;
  }

  /**
   * Gives the partition up after its last flush: the row names no owner, so the next one
   * need not wait for it to age (see acquire). A generation taken since is left alone.
   */
  async disown(partition: number, generation: number): Promise<void> {
    await this.db.query(
      'ingest_disown',
      'UPDATE metrics.ingest_partitions SET owner = NULL WHERE partition = $1 AND generation = $2',
      [partition, generation],
    );
  }

  /** Where a new run of the partition resumes, and the written buckets it must not count again. */
  async load(partition: number): Promise<StoredPosition> {
    const [row] = await this.db.query<{ resume_seq: string; processed_seq: string }>(
      'ingest_position_get',
      'SELECT resume_seq, processed_seq FROM metrics.ingest_partitions WHERE partition = $1',
      [partition],
    );
    const flushed = await this.db.query<{ bucket: Date; through_seq: string }>(
      'ingest_flushed_get',
      'SELECT bucket, through_seq FROM metrics.ingest_flushed WHERE partition = $1',
      [partition],
    );
    return {
      resumeSeq: Number(row.resume_seq),
      shownThrough: Math.max(Number(row.resume_seq), Number(row.processed_seq ?? 0)),
      flushed: new Map(flushed.map((f) => [f.bucket.getTime(), Number(f.through_seq)])),
    };
  }

  /**
   * Locks the partition's position for the flush transaction `tx`, first in it, and refuses
   * the write (PartitionLostError) unless `generation` is still the stored one. Returns the
   * stored closed_through (Unix ms).
   */
  async lockForWrite(tx: EntityManager, partition: number, generation: number): Promise<number> {
    const [position] = await this.db.query<{ generation: string; closed_through: Date }>(
      'ingest_lock',
      'SELECT generation, closed_through FROM metrics.ingest_partitions WHERE partition = $1 FOR UPDATE',
      [partition],
      tx,
    );
    const stored = Number(position?.generation ?? -1);
    if (stored !== generation) throw new PartitionLostError(partition, generation, stored);
    return position.closed_through.getTime();
  }

  /**
   * Records the plan's position in the flush transaction `tx`: the buckets it wrote with the
   * last sequence each includes (dropping those the resume point has passed), the sequences,
   * closed_through, and one more late write if `late`.
   */
  async advance(tx: EntityManager, partition: number, plan: FlushPlan, late: boolean): Promise<void> {
    if (plan.flushed.length > 0) {
      await this.db.query(
        'ingest_flushed',
        `INSERT INTO metrics.ingest_flushed (partition, bucket, through_seq)
           SELECT $1, to_timestamp(b / 1000.0), t FROM unnest($2::float8[], $3::int8[]) AS u(b, t)
           ON CONFLICT (partition, bucket) DO UPDATE SET through_seq = excluded.through_seq`,
        [partition, plan.flushed.map((f) => f.bucket), plan.flushed.map((f) => f.throughSeq)],
        tx,
      );
    }
    await this.db.query(
      'ingest_prune',
      'DELETE FROM metrics.ingest_flushed WHERE partition = $1 AND through_seq <= $2',
      [partition, plan.resumeSeq],
      tx,
    );
    await this.db.query(
      'ingest_position',
      `UPDATE metrics.ingest_partitions
            SET resume_seq = $2, processed_seq = $3, closed_through = to_timestamp($4 / 1000.0), updated_at = now(),
                late_writes = late_writes + $5
          WHERE partition = $1`,
      [partition, plan.resumeSeq, plan.processedSeq, plan.closedThrough, late ? 1 : 0],
      tx,
    );
  }
}
