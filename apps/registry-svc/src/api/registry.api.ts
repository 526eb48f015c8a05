import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import {
  type GetNodeRequest,
  type ListNodesReply,
  type ListNodesRequest,
  NotFoundError,
  type NodeView,
  enrollmentTokenCommands,
  identityCommands,
  maintenanceWindowOperations,
  registryQueries,
} from '@vigil/contracts';
import { serveQuery } from '@vigil/messaging';
import { Bus, Cache, Database, Observability, RedriveLedger, rpcServerDeps, serveDeadLetters } from '@vigil/platform';
import { PresenceStore } from '../presence/presence.store';
import { supervisedProcesses } from '../presence/supervised-processes';
import { IdentityService } from '../identity/identity.service';
import { IdentityVerifier } from '../identity/identity.verifier';
import { MaintenanceService } from '../maintenance/maintenance.service';
import { MaintenanceWindowsService } from '../maintenance/maintenance-windows.service';
import { NodesReadModel } from '../projections/nodes.read-model';
import { IdentitiesReadModel } from '../projections/identities.read-model';
import { MaintenanceWindowsReadModel } from '../projections/maintenance-windows.read-model';
import { PresenceService } from '../presence/presence.service';
import { TelemetryRedrive } from '../presence/telemetry-redrive';

interface NodeRow {
  id: string;
  hostname: string;
  status: NodeView['status'];
  labels: Record<string, string>;
  agent_version: string;
  registered_at: Date;
  status_changed_at: Date;
  last_seen_at: Date | null;
  inventory: NodeView['inventory'];
  config: NodeView['config'];
  version: number;
  maintenance_since: Date | null;
  maintenance_reason: string | null;
  maintenance_until: Date | null;
  maintenance_by: string | null;
  /** The active maintenance window selecting the node (the one ending last), if any. */
  window_id: string | null;
  window_reason: string | null;
  window_since: Date | null;
  window_until: Date | null;
  window_by: string | null;
}

/**
 * The active maintenance windows, one per node they select (the one that stops last): a node in
 * one is in maintenance as if put there by hand, without any event naming it.
 */
const ACTIVE_WINDOWS = `SELECT DISTINCT ON (m.node_id) m.node_id AS window_node, w.id AS window_id,
    w.reason AS window_reason, w.starts_at AS window_since, w.stops_at AS window_until, w.created_by AS window_by
  FROM registry.maintenance_windows w JOIN registry.maintenance_window_nodes m ON m.window_id = w.id
  WHERE w.starts_at <= now() AND now() < w.stops_at
  ORDER BY m.node_id, w.stops_at DESC`;
/** The nodes, each with its active window if any (a derived table, so every query still starts with SELECT). */
const NODES_WITH_WINDOW = `registry.nodes n LEFT JOIN (${ACTIVE_WINDOWS}) win ON win.window_node = n.id`;

/** Its own maintenance first (set by hand, it says more), else the window's. */
function maintenanceOf(r: NodeRow): NodeView['maintenance'] {
  if (r.maintenance_since)
    return {
      since: r.maintenance_since.toISOString(),
      reason: r.maintenance_reason ?? '',
      until: r.maintenance_until ? r.maintenance_until.toISOString() : null,
      by: r.maintenance_by ?? '',
    };
  if (r.window_id && r.window_since && r.window_until)
    return {
      since: r.window_since.toISOString(),
      reason: r.window_reason ?? '',
      until: r.window_until.toISOString(),
      by: r.window_by ?? '',
      window: r.window_id,
    };
  return null;
}

/** Answers the registry's request/reply operations over NATS (queue group: replicas share them). */
@Injectable()
export class RegistryApi implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: Subscription[] = [];
  private readonly presence: PresenceStore;

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    private readonly obs: Observability,
    private readonly nodes: NodesReadModel,
    private readonly identity: IdentityService,
    private readonly maintenance: MaintenanceService,
    cache: Cache,
    private readonly presenceService: PresenceService,
    private readonly verifier: IdentityVerifier,
    private readonly identities: IdentitiesReadModel,
    private readonly windows: MaintenanceWindowsService,
    private readonly windowsReadModel: MaintenanceWindowsReadModel,
  ) {
    this.presence = new PresenceStore(cache);
  }

  onApplicationBootstrap(): void {
    const deps = rpcServerDeps(this.bus, this.obs);
    this.subscriptions = [
      serveQuery(deps, registryQueries.listNodes, (r) => this.listNodes(r)),
      serveQuery(deps, registryQueries.getNode, (r) => this.getNode(r)),
      serveQuery(deps, registryQueries.nodeProcesses, async (r) => {
        await this.getNode(r);
        return { items: await supervisedProcesses(this.db, r.nodeId) };
      }),
      serveQuery(deps, registryQueries.rebuildProjection, async (r) => {
        await this.nodes.rebuild();
        const last = await this.bus.jsm.streams.info(this.bus.topology.streams.events);
        await this.nodes.waitFor(last.state.last_seq, 60_000).catch(() => undefined);
        return { projection: r.projection, checkpoint: this.nodes.checkpoint() };
      }),
      serveQuery(deps, registryQueries.startMaintenance, async (r) => {
        await this.getNode(r);
        await this.caughtUp(await this.maintenance.start(r.nodeId, r.reason, r.until, r.actor));
        return this.getNode(r);
      }),
      serveQuery(deps, registryQueries.endMaintenance, async (r) => {
        await this.getNode(r);
        await this.caughtUp(await this.maintenance.end(r.nodeId, r.actor));
        return this.getNode(r);
      }),
      serveQuery(deps, maintenanceWindowOperations.create, (r) => this.windows.create(r)),
      serveQuery(deps, maintenanceWindowOperations.cancel, (r) => this.windows.cancel(r)),
      serveQuery(deps, maintenanceWindowOperations.list, (r) => this.windows.list(r)),
      serveQuery(deps, maintenanceWindowOperations.preview, (r) => this.windows.preview(r)),
      serveQuery(deps, identityCommands.createEnrollmentToken, (r) => this.identity.createToken(r)),
      serveQuery(deps, identityCommands.enroll, (r) => this.identity.enroll(r)),
      serveQuery(deps, enrollmentTokenCommands.listEnrollmentTokens, (r) => this.identity.listTokens(r)),
      serveQuery(deps, enrollmentTokenCommands.revokeEnrollmentToken, (r) => this.identity.revokeToken(r)),
      // The gateway names its caller; an ask straight over NATS (the admin identity) names none.
      serveQuery(deps, identityCommands.revokeNode, (r) => this.identity.revoke(r, r.actor ?? 'operator')),
      serveQuery(deps, identityCommands.rekeyNode, (r) => this.identity.allowRekey(r, r.actor ?? 'operator')),
      // Its own DLQ: list, show, purge, and redrive of every kind it parks (recorded in registry.dlq_redriven).
      ...serveDeadLetters(this.bus, this.obs, 'registry-svc', this.redrives()).subscriptions,
    ];
  }

  /** The agent messages its consumers park, and the events its projections park. */
  private redrives() {
    const ledger = new RedriveLedger(this.db, 'registry');
    return [
      new TelemetryRedrive(this.bus.topology, this.presenceService, this.verifier, ledger),
      this.nodes.redriveHandler(ledger),
      this.identities.redriveHandler(ledger),
      this.windowsReadModel.redriveHandler(ledger),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
  }

  async listNodes(req: ListNodesRequest): Promise<ListNodesReply> {
    const filter = `WHERE ($1::text IS NULL OR n.status = $1)
      AND ($2::boolean IS NULL OR (n.maintenance_since IS NOT NULL OR win.window_id IS NOT NULL) = $2)`;
    const params: unknown[] = [req.status ?? null, req.maintenance ?? null];
    const rows = await this.db.query<NodeRow & { total: string }>(
      'nodes_list',
      // The page walks nodes_hostname_id_idx; the total is counted once beside it (one snapshot).
      // A window count (count(*) OVER ()) would materialise and sort every row for every page.
      `SELECT n.*, win.*, (SELECT count(*) FROM ${NODES_WITH_WINDOW} ${filter}) AS total
       FROM ${NODES_WITH_WINDOW} ${filter}
       ORDER BY n.hostname, n.id LIMIT $3 OFFSET $4`,
      [...params, req.limit, req.offset],
    );
    const total = rows.length
      ? Number(rows[0].total)
      : Number(
          (
            await this.db.query<{ n: string }>(
              'nodes_count',
              `SELECT count(*) AS n FROM ${NODES_WITH_WINDOW} ${filter}`,
              params,
            )
          )[0].n,
        );
    return { items: await this.views(rows), total };
  }

  /** Read-your-writes for a command's event. */
  private async caughtUp(seq: number | undefined): Promise<void> {
    if (seq !== undefined) await this.nodes.waitFor(seq, 10_000);
  }

  async getNode(req: GetNodeRequest): Promise<NodeView> {
    const rows = await this.db.query<NodeRow>(
      'nodes_get',
      `SELECT n.*, win.* FROM ${NODES_WITH_WINDOW} WHERE n.id = $1`,
      [req.nodeId],
    );
    if (!rows[0]) throw new NotFoundError(`node ${req.nodeId} is not registered`);
    return (await this.views(rows))[0];
  }

  /** Last-seen is fresher in Redis (every heartbeat) than in the read model (transitions only). */
  private async views(rows: NodeRow[]): Promise<NodeView[]> {
    const seen = await this.presence.lastSeen(rows.map((r) => r.id)).catch(() => new Map<string, Date>());
    return rows.map((r) => {
      const fresh = seen.get(r.id);
      const lastSeen = fresh && (!r.last_seen_at || fresh > r.last_seen_at) ? fresh : r.last_seen_at;
      return {
        id: r.id,
        hostname: r.hostname,
        status: r.status,
        labels: r.labels,
        agentVersion: r.agent_version,
        registeredAt: r.registered_at.toISOString(),
        statusChangedAt: r.status_changed_at.toISOString(),
        lastSeenAt: lastSeen ? lastSeen.toISOString() : null,
        inventory: r.inventory,
        config: r.config,
        maintenance: maintenanceOf(r),
        version: r.version,
      };
    });
  }
}
