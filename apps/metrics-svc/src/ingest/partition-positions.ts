import type { Database } from '@vigil/platform';
import type { StoredPosition } from './partition-state';

/** The ingest positions (`metrics.ingest_partitions` and `metrics.ingest_flushed`). */
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

  /** Takes the partition over: a new generation fences any previous owner. Returns it. */
  acquire(partition: number, owner: string): Promise<number> {
    return this.db.dataSource.transaction(async (tx) => {
      await this.db.query(
        'ingest_acquire',
        'UPDATE metrics.ingest_partitions SET generation = generation + 1, owner = $2, updated_at = now() WHERE partition = $1',
        [partition, owner],
        tx,
      );
      const [row] = await this.db.query<{ generation: string }>(
        'ingest_generation',
        'SELECT generation FROM metrics.ingest_partitions WHERE partition = $1',
        [partition],
        tx,
      );
      return Number(row.generation);
    });
  }

  /** Where a new run of the partition resumes, and the written buckets it must not count again. */
  async load(partition: number): Promise<StoredPosition> {
    const [row] = await this.db.query<{ resume_seq: string }>(
      'ingest_position_get',
      'SELECT resume_seq FROM metrics.ingest_partitions WHERE partition = $1',
      [partition],
    );
    const flushed = await this.db.query<{ bucket: Date; through_seq: string }>(
      'ingest_flushed_get',
      'SELECT bucket, through_seq FROM metrics.ingest_flushed WHERE partition = $1',
      [partition],
    );
    return {
      resumeSeq: Number(row.resume_seq),
      flushed: new Map(flushed.map((f) => [f.bucket.getTime(), Number(f.through_seq)])),
    };
  }
}
