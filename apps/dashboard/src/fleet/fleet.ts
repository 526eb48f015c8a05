import type { FleetFilters, StatusFilter } from '../app/routes';
import type { LiveEvent, NodeStatus, NodeView } from '../api/types';

/**
 * The fleet as the overview holds it: one small row per node (the inventory stays on the server
 * until a node is opened), filtered and sorted in the browser. The registry's list has no search
 * or label filter, so the overview reads the whole list once, page by page, and keeps it current
 * with the live API's fleet events.
 */

export interface NodeRow {
  id: string;
  hostname: string;
  status: NodeStatus;
  labels: Record<string, string>;
  maintenance: boolean;
  lastSeenAt: string | null;
  agentVersion: string;
}

export const rowOf = (n: NodeView): NodeRow => ({
  id: n.id,
  hostname: n.hostname,
  status: n.status,
  labels: n.labels,
  maintenance: n.maintenance !== null,
  lastSeenAt: n.lastSeenAt,
  agentVersion: n.agentVersion,
});

export interface FleetCounts {
  total: number;
  online: number;
  offline: number;
  registered: number;
  maintenance: number;
}

export function countFleet(rows: Iterable<NodeRow>): FleetCounts {
  const counts: FleetCounts = { total: 0, online: 0, offline: 0, registered: 0, maintenance: 0 };
  for (const r of rows) {
    counts.total++;
    counts[r.status]++;
    if (r.maintenance) counts.maintenance++;
  }
  return counts;
}

/** Every `name=value` the fleet carries, sorted; at most `max` of them. */
export function labelChoices(rows: Iterable<NodeRow>, max = 1000): string[] {
  const seen = new Set<string>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.labels)) {
      seen.add(`${k}=${v}`);
      if (seen.size >= max) break;
    }
    if (seen.size >= max) break;
  }
  return [...seen].sort((a, b) => a.localeCompare(b));
}

const matchesStatus = (r: NodeRow, status: StatusFilter | undefined) =>
  status === undefined || (status === 'maintenance' ? r.maintenance : r.status === status);

const STATUS_ORDER: Record<NodeStatus, number> = { offline: 0, registered: 1, online: 2 };

/** The rows the filters select, in their order; `collator` compares text in the reader's language. */
export function selectRows(rows: Iterable<NodeRow>, f: FleetFilters, collator: Intl.Collator): NodeRow[] {
  const q = f.q.trim().toLowerCase();
  const labels = f.labels.map((l) => {
    const eq = l.indexOf('=');
    return [l.slice(0, eq), l.slice(eq + 1)] as const;
  });
  const out: NodeRow[] = [];
  for (const r of rows) {
    if (q && !r.id.toLowerCase().includes(q) && !r.hostname.toLowerCase().includes(q)) continue;
    if (!matchesStatus(r, f.status)) continue;
    if (!labels.every(([k, v]) => r.labels[k] === v)) continue;
    out.push(r);
  }
  const byName = (a: NodeRow, b: NodeRow) => collator.compare(a.hostname, b.hostname) || collator.compare(a.id, b.id);
  const compare: (a: NodeRow, b: NodeRow) => number =
    f.sort === 'status'
      ? (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || byName(a, b)
      : f.sort === 'lastSeen'
        ? (a, b) => (Date.parse(a.lastSeenAt ?? '') || 0) - (Date.parse(b.lastSeenAt ?? '') || 0) || byName(a, b)
        : byName;
  out.sort(f.desc ? (a, b) => compare(b, a) : compare);
  return out;
}

/** The node an event of the fleet topic is about (`data.nodeId`, else the subject `node.<id>`). */
export function nodeIdOf(event: LiveEvent): string | undefined {
  const data = event.data as { nodeId?: unknown } | null;
  if (data && typeof data.nodeId === 'string') return data.nodeId;
  return event.subject.startsWith('node.') ? event.subject.slice(5) : undefined;
}

/** `data.labels` of a label change when it is a map of text (the live frames are checked by hand). */
function labelsOf(data: unknown): Record<string, string> | undefined {
  const labels = (data as { labels?: unknown } | null)?.labels;
  if (!labels || typeof labels !== 'object' || Array.isArray(labels)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  return out;
}

/**
 * Applies one fleet event to the rows. Presence, maintenance and label changes are applied as
 * they are; anything else about a node (registered, inventory changed) answers `refetch` with the
 * node's id, to be read again over REST.
 */
export function applyFleetEvent(rows: Map<string, NodeRow>, event: LiveEvent): { changed: boolean; refetch?: string } {
  const id = nodeIdOf(event);
  if (!id) return { changed: false };
  const row = rows.get(id);
  const data = (event.data ?? {}) as { lastSeenAt?: unknown };
  const lastSeenAt = typeof data.lastSeenAt === 'string' ? data.lastSeenAt : (row?.lastSeenAt ?? null);
  switch (event.type) {
    case 'node.online':
    case 'node.offline':
      if (!row) return { changed: false, refetch: id };
      rows.set(id, { ...row, status: event.type === 'node.online' ? 'online' : 'offline', lastSeenAt });
      return { changed: true };
    case 'node.maintenance_started':
    case 'node.maintenance_ended':
      if (!row) return { changed: false, refetch: id };
      rows.set(id, { ...row, maintenance: event.type === 'node.maintenance_started' });
      return { changed: true };
    case 'node.labels_changed': {
      const labels = labelsOf(event.data);
      if (!row || !labels) return { changed: false, refetch: id };
      rows.set(id, { ...row, labels });
      return { changed: true };
    }
    case 'node.config_reported':
      return { changed: false };
    default:
      return { changed: false, refetch: id };
  }
}

/** Rows `from`..`to` (exclusive) of `count` that a viewport shows, with `overscan` rows on each side. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 8,
): { from: number; to: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const shown = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  return { from: Math.max(0, first - overscan), to: Math.min(count, first + shown + overscan) };
}
