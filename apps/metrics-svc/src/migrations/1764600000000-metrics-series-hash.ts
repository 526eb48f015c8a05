import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A series' identity becomes a fixed-size key: `key_hash`, the SHA-256 (32 bytes) of
 * `metric \n node_id \n labels_key`, computed by Postgres (`metrics.series_key_hash`) as a
 * stored generated column, so every writer and every existing row agree on it. Before, the
 * unique btree was over the texts themselves, and a btree row holds at most ~2.7 kB: one
 * series with a few long label values made the flush fail, and the partition re-read it
 * forever. `labels_key` is no longer indexed; `metric` and `node_id` stay in `series_node`,
 * bounded by the batch contract (200 and 128 bytes). Adding the column rewrites the table and
 * computes the hash of every existing row (the backfill); ids do not change, so the rollups
 * still refer to the same series.
 */
export class MetricsSeriesHash1764600000000 implements MigrationInterface {
  name = 'MetricsSeriesHash1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // The database's encoding is UTF-8 (initdb of every deployment here): convert_to is the identity.
    await q.query(`
      CREATE FUNCTION metrics.series_key_hash(metric text, node_id text, labels_key text) RETURNS bytea
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN sha256(convert_to(metric || E'\\n' || node_id || E'\\n' || labels_key, 'UTF8'))`);
    await q.query(`
      ALTER TABLE metrics.series
        ADD COLUMN key_hash bytea NOT NULL
        GENERATED ALWAYS AS (metrics.series_key_hash(metric, node_id, labels_key)) STORED`);
    await q.query('CREATE UNIQUE INDEX series_key_hash ON metrics.series (key_hash)');
    await q.query('ALTER TABLE metrics.series DROP CONSTRAINT series_identity');
  }

  async down(q: QueryRunner): Promise<void> {
    // Fails if a series' texts are too long for a btree row (they could not have been stored before).
    await q.query('ALTER TABLE metrics.series ADD CONSTRAINT series_identity UNIQUE (metric, node_id, labels_key)');
    await q.query('DROP INDEX metrics.series_key_hash');
    await q.query('ALTER TABLE metrics.series DROP COLUMN key_hash');
    await q.query('DROP FUNCTION metrics.series_key_hash(text, text, text)');
  }
}
