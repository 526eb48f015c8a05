import type { Database } from '@vigil/platform';

/** Whether the read model has the node (registered by a heartbeat). */
export async function nodeRegistered(db: Database, nodeId: string): Promise<boolean> {
  return (await db.query('node_known', 'SELECT 1 FROM registry.nodes WHERE id = $1', [nodeId])).length > 0;
}

/** How long a count of the unenrolled nodes is trusted (new ones this replica admits are added to it). */
const COUNT_TTL_MS = 1000;

/**
 * Bounds the nodes that never enrolled (VIGIL_MAX_UNENROLLED_NODES): with enrollment not
 * required, any id in a heartbeat registers a node, so anyone who can publish could register
 * millions. Asked only on the slow path (a heartbeat from a node presence does not know) and
 * only for unenrolled senders: a node the read model has is admitted whatever the count (it
 * keeps working), a new one while fewer than `max` nodes never enrolled.
 *
 * The count is read at most once a second (a flood of new ids costs one count a second and a
 * primary-key lookup per message), plus the nodes admitted since by this replica. Replicas
 * admitting at once, and nodes not yet projected into the read model, can pass the limit by
 * the nodes registered within that second: the bound is `max` plus about a second's worth.
 */
export class UnenrolledNodeLimit {
  private count = 0;
  private countedAt = -Infinity;

  constructor(
    private readonly db: Database,
    readonly max: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whether the unenrolled node `nodeId` may be registered (or is already). */
  async admit(nodeId: string): Promise<boolean> {
    if (await nodeRegistered(this.db, nodeId)) return true;
    if (this.clock() - this.countedAt >= COUNT_TTL_MS) {
      const [row] = await this.db.query<{ n: number }>(
        'nodes_unenrolled_count',
        `SELECT count(*)::int AS n FROM registry.nodes n
          WHERE NOT EXISTS (SELECT 1 FROM registry.node_identities i WHERE i.node_id = n.id AND i.enrolled_at IS NOT NULL)`,
      );
      this.count = row.n;
      this.countedAt = this.clock();
    }
    if (this.count >= this.max) return false;
    this.count++;
    return true;
  }
}
