import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Maintenance windows (from `maintenance_window.*`) and which registered nodes each selects.
 * `stops_at` is the end, or the cancellation when that came first: a window is active while
 * `starts_at <= now() < stops_at`. The membership is derived from labels alone (no clock), by the
 * windows projection for the nodes registered before a window, and by the nodes projection for
 * those registered after; both take one advisory lock, so neither misses the other's row.
 */
export class MaintenanceWindows1766400000000 implements MigrationInterface {
  name = 'MaintenanceWindows1766400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry.maintenance_windows (
        id             uuid        PRIMARY KEY,
        reason         text        NOT NULL,
        matchers       jsonb       NOT NULL,
        starts_at      timestamptz NOT NULL,
        ends_at        timestamptz NOT NULL,
        stops_at       timestamptz NOT NULL,
        created_by     text        NOT NULL,
        created_at     timestamptz NOT NULL,
        cancelled_at   timestamptz,
        cancelled_by   text,
        last_event_seq bigint      NOT NULL
      )`);
    await q.query('CREATE INDEX maintenance_windows_stops_at_idx ON registry.maintenance_windows (stops_at)');
    await q.query(`
      CREATE TABLE registry.maintenance_window_nodes (
        window_id uuid NOT NULL REFERENCES registry.maintenance_windows (id) ON DELETE CASCADE,
        node_id   text NOT NULL,
        PRIMARY KEY (window_id, node_id)
      )`);
    await q.query('CREATE INDEX maintenance_window_nodes_node_idx ON registry.maintenance_window_nodes (node_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE registry.maintenance_window_nodes');
    await q.query('DROP TABLE registry.maintenance_windows');
  }
}
