import type { Database } from '@vigil/platform';
import type { SeriesSlot } from './partition-state';

const CHUNK = 5000;

/**
 * Gives each series its Postgres id, creating the row the first time a series is seen.
 * Replicas may race to create the same series: the loser's insert does nothing and the
 * next round reads the winner's row. Rows are matched by `key_hash` (the SHA-256 of the
 * series' texts, see the series-hash migration), computed once per series not yet resolved;
 * a series already holding its id never comes here again.
 */
export async function ensureSeriesIds(db: Database, slots: SeriesSlot[]): Promise<void> {
  let missing = slots.filter((s) => s.id === 0);
  for (let round = 0; missing.length > 0; round++) {
    if (round === 3) throw new Error(`could not resolve ${missing.length} series ids`);
    for (let i = 0; i < missing.length; i += CHUNK) {
      const chunk = missing.slice(i, i + CHUNK);
      const byKey = new Map(chunk.map((s) => [`${s.metric}\n${s.nodeId}\n${s.labelsKey}`, s]));
      const rows = await db.query<{ id: number; node_id: string; metric: string; labels_key: string }>(
        'series_ensure_ids',
        `WITH input AS (
           SELECT t.*, metrics.series_key_hash(t.metric, t.node_id, t.labels_key) AS key_hash
             FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::text[]) AS t(node_id, metric, labels, labels_key)
         ), ins AS (
           INSERT INTO metrics.series (node_id, metric, labels, labels_key)
           SELECT node_id, metric, labels, labels_key FROM input
           ON CONFLICT (key_hash) DO NOTHING
           RETURNING id, node_id, metric, labels_key
         )
         SELECT id, node_id, metric, labels_key FROM ins
         UNION ALL
         SELECT s.id, s.node_id, s.metric, s.labels_key FROM metrics.series s JOIN input i ON s.key_hash = i.key_hash`,
        [
          chunk.map((s) => s.nodeId),
          chunk.map((s) => s.metric),
          chunk.map((s) => JSON.stringify(s.labels)),
          chunk.map((s) => s.labelsKey),
        ],
      );
      for (const r of rows) {
        const slot = byKey.get(`${r.metric}\n${r.node_id}\n${r.labels_key}`);
        if (slot) slot.id = r.id;
      }
    }
    missing = missing.filter((s) => s.id === 0);
  }
}
