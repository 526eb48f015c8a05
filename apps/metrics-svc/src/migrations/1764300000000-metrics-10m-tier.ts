import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The 10 min tier, rolled up from the 1 min one under its own watermark (see TierRollup),
 * range-partitioned by bucket like the other tiers (partitions are created at run time).
 * Its watermark starts at the epoch: the first rollup starts at the oldest 1 min data, so a
 * deployment that had data before this migration gets the tier filled from it.
 */
export class Metrics10mTier1764300000000 implements MigrationInterface {
  name = 'Metrics10mTier1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE metrics.rollup_10m (
        series_id integer NOT NULL,
        bucket timestamptz NOT NULL,
        min double precision NOT NULL,
        max double precision NOT NULL,
        sum double precision NOT NULL,
        count bigint NOT NULL,
        last double precision NOT NULL,
        last_at timestamptz NOT NULL,
        PRIMARY KEY (series_id, bucket)
      ) PARTITION BY RANGE (bucket)`);
    await q.query(`INSERT INTO metrics.rollup_watermarks (tier, through) VALUES ('10m', 'epoch')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM metrics.rollup_watermarks WHERE tier = '10m'`);
    await q.query('DROP TABLE metrics.rollup_10m');
  }
}
