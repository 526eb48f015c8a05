import { type LabelMatcher, windowSelects } from '@vigil/contracts';
import type { EntityManager } from 'typeorm';

/**
 * `registry.maintenance_window_nodes`, written from two projections (windows and nodes) that run
 * on their own: each takes this transaction-scoped lock before it reads the other's table, so
 * the second to commit sees the first's row and no node registered beside a new window is missed.
 */
async function lockMembership(tx: EntityManager): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('registry.maintenance_window_nodes'))`);
}

/**
 * The labels a window selects a node by: those of its latest inventory when it reported one (they
 * can change; metrics-svc reads the same), else those it registered with.
 */
export const NODE_LABELS = "COALESCE(inventory->'labels', labels)";

/** Rows are written in batches of this many ids (one statement each). */
const BATCH = 5000;

async function insert(tx: EntityManager, windowIds: string[], nodeIds: string[]): Promise<void> {
  for (let i = 0; i < windowIds.length; i += BATCH) {
    await tx.query(
      `INSERT INTO registry.maintenance_window_nodes (window_id, node_id)
       SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT DO NOTHING`,
      [windowIds.slice(i, i + BATCH), nodeIds.slice(i, i + BATCH)],
    );
  }
}

/**
 * A new window: every node registered before it stops whose labels its matchers select (read a
 * page at a time). A node is a member when its labels match and it registered before the window
 * stopped, whichever projection saw it first, so a replay of either decides the same.
 */
export async function addWindowMembers(
  tx: EntityManager,
  windowId: string,
  matchers: LabelMatcher[],
  stopsAt: string,
): Promise<void> {
  await lockMembership(tx);
  let after = '';
  for (;;) {
    const rows = (await tx.query(
      `SELECT id, ${NODE_LABELS} AS labels FROM registry.nodes WHERE id > $1 AND registered_at < $2 ORDER BY id LIMIT $3`,
      [after, stopsAt, BATCH],
    )) as { id: string; labels: Record<string, string> }[];
    if (rows.length === 0) return;
    const selected = rows.filter((n) => windowSelects({ matchers }, n.id, n.labels)).map((n) => n.id);
    await insert(
      tx,
      selected.map(() => windowId),
      selected,
    );
    after = rows[rows.length - 1].id;
  }
}

/** A window cancelled at `at`: the nodes registered since are not its members. */
export async function dropLateMembers(tx: EntityManager, windowId: string, at: string): Promise<void> {
  await lockMembership(tx);
  await tx.query(
    `DELETE FROM registry.maintenance_window_nodes m USING registry.nodes n
     WHERE m.window_id = $1 AND n.id = m.node_id AND n.registered_at >= $2`,
    [windowId, at],
  );
}

/**
 * A node just registered: the windows that select it and had not stopped when it registered
 * (`at`, the event's time, so a replay decides the same).
 */
export async function addNodeToWindows(
  tx: EntityManager,
  nodeId: string,
  labels: Record<string, string>,
  at: string,
): Promise<void> {
  await lockMembership(tx);
  const windows = (await tx.query('SELECT id, matchers FROM registry.maintenance_windows WHERE stops_at > $1', [
    at,
  ])) as { id: string; matchers: LabelMatcher[] }[];
  const selecting = windows.filter((w) => windowSelects(w, nodeId, labels)).map((w) => w.id);
  await insert(
    tx,
    selecting,
    selecting.map(() => nodeId),
  );
}

/**
 * A node's labels changed (a new inventory) at `at`: it joins the windows not stopped yet that
 * select its new labels and leaves those that no longer do.
 */
export async function updateNodeWindows(
  tx: EntityManager,
  nodeId: string,
  labels: Record<string, string>,
  at: string,
): Promise<void> {
  await lockMembership(tx);
  const windows = (await tx.query('SELECT id, matchers FROM registry.maintenance_windows WHERE stops_at > $1', [
    at,
  ])) as { id: string; matchers: LabelMatcher[] }[];
  const selecting = windows.filter((w) => windowSelects(w, nodeId, labels)).map((w) => w.id);
  const leaving = windows.filter((w) => !selecting.includes(w.id)).map((w) => w.id);
  await insert(
    tx,
    selecting,
    selecting.map(() => nodeId),
  );
  if (leaving.length > 0)
    await tx.query('DELETE FROM registry.maintenance_window_nodes WHERE node_id = $1 AND window_id = ANY($2::uuid[])', [
      nodeId,
      leaving,
    ]);
}
