import { api, query } from '../api/http';
import type { ListNodesReply, NodeView } from '../api/types';
import { type NodeRow, rowOf } from './fleet';

/** Nodes per request: 500 node views with inventories stay well inside a NATS reply (1 MiB). */
const PAGE = 500;
/** Pages asked for at once after the first (which tells the total). */
const PARALLEL = 3;

/** The whole fleet, page by page; `onPage` sees the rows read so far (for a progress figure). */
export async function loadFleet(signal: AbortSignal, onPage?: (loaded: number, total: number) => void) {
  const page = (offset: number) => api<ListNodesReply>(`/api/v1/nodes?${query({ limit: PAGE, offset })}`, { signal });
  const first = await page(0);
  const rows = new Map<string, NodeRow>();
  const add = (items: NodeView[]) => {
    for (const n of items) rows.set(n.id, rowOf(n));
  };
  add(first.items);
  onPage?.(rows.size, first.total);
  const offsets: number[] = [];
  for (let o = PAGE; o < first.total; o += PAGE) offsets.push(o);
  for (let i = 0; i < offsets.length; i += PARALLEL) {
    const replies = await Promise.all(offsets.slice(i, i + PARALLEL).map(page));
    for (const r of replies) add(r.items);
    onPage?.(rows.size, first.total);
  }
  return rows;
}

export async function loadNode(id: string, signal?: AbortSignal): Promise<NodeView> {
  return api<NodeView>(`/api/v1/nodes/${encodeURIComponent(id)}`, { signal });
}
