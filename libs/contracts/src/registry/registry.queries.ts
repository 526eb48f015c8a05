import * as z from 'zod';
import { IsoTimestamp, Labels, NodeId } from '../common.schema';
import { AppliedConfig } from '../agent/agent-config.schema';
import { SupervisorEventType } from '../agent/supervisor-event.schema';
import { Inventory } from '../node/inventory.schema';

export const NodeStatus = z.enum(['registered', 'online', 'offline']);
export type NodeStatus = z.infer<typeof NodeStatus>;

/** A node as registry-svc answers for it. */
export const NodeView = z.object({
  id: NodeId,
  hostname: z.string(),
  status: NodeStatus,
  labels: Labels,
  agentVersion: z.string(),
  registeredAt: IsoTimestamp,
  statusChangedAt: IsoTimestamp,
  lastSeenAt: IsoTimestamp.nullable(),
  inventory: Inventory.nullable(),
  /** The configuration the agent last reported running (null before it first did). */
  config: AppliedConfig.nullable(),
  /**
   * Set while the node is in maintenance (no notifications for its alerts): its own, or else a
   * maintenance window's that selects it now (`window`: its id; `since`/`until`: the window's).
   */
  maintenance: z
    .object({
      since: IsoTimestamp,
      reason: z.string(),
      until: IsoTimestamp.nullable(),
      by: z.string(),
      window: z.uuid().optional(),
    })
    .nullable(),
  /** Number of events applied to this node (its aggregate version). */
  version: z.number().int().positive(),
});
export type NodeView = z.infer<typeof NodeView>;

export const ListNodesRequest = z.object({
  status: NodeStatus.optional(),
  /** Only nodes in maintenance (`true`) or not (`false`). */
  maintenance: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .or(z.boolean())
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ListNodesRequest = z.infer<typeof ListNodesRequest>;
export const ListNodesReply = z.object({ items: z.array(NodeView), total: z.number().int().nonnegative() });
export type ListNodesReply = z.infer<typeof ListNodesReply>;

export const GetNodeRequest = z.object({ nodeId: NodeId });
export type GetNodeRequest = z.infer<typeof GetNodeRequest>;
export const GetNodeReply = NodeView;

/** A third-party agent supervised by a node's agent, as its last event left it. */
export const SupervisedProcessView = z.object({
  process: z.string(),
  state: z.enum(['running', 'exited', 'unhealthy', 'given_up']),
  lastEvent: SupervisorEventType,
  lastEventAt: IsoTimestamp,
  pid: z.number().int().nullable(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  reason: z.string().nullable(),
  /** Restarts by the restart policy, counted since the registry first heard of the process. */
  restarts: z.number().int().nonnegative(),
});
export type SupervisedProcessView = z.infer<typeof SupervisedProcessView>;
export const NodeProcessesReply = z.object({ items: z.array(SupervisedProcessView) });
export type NodeProcessesReply = z.infer<typeof NodeProcessesReply>;

const Actor = z.string().min(1).max(256);
export const StartMaintenanceRequest = z
  .object({
    nodeId: NodeId,
    reason: z.string().trim().min(1, 'say why').max(500),
    until: IsoTimestamp.optional(),
    actor: Actor,
  })
  .refine((r) => r.until === undefined || Date.parse(r.until) > Date.now(), {
    message: 'must be in the future',
    path: ['until'],
  });
export type StartMaintenanceRequest = z.input<typeof StartMaintenanceRequest>;
export const EndMaintenanceRequest = z.object({ nodeId: NodeId, actor: Actor });

/** The request/reply operations of the registry context (`qry.registry.*`). */
export const RebuildProjectionRequest = z.object({ projection: z.literal('registry-nodes') });
export const RebuildProjectionReply = z.object({ projection: z.string(), checkpoint: z.number().int().nonnegative() });

/** The request/reply operations of the registry context (`qry.registry.*`, `cmd.registry.*`). */
export const registryQueries = {
  listNodes: { kind: 'qry', context: 'registry', what: 'nodes-list', request: ListNodesRequest, reply: ListNodesReply },
  getNode: { kind: 'qry', context: 'registry', what: 'nodes-get', request: GetNodeRequest, reply: GetNodeReply },
  /** The processes a node's agent supervises (from its supervisor events). */
  nodeProcesses: {
    kind: 'qry',
    context: 'registry',
    what: 'node-processes',
    request: GetNodeRequest,
    reply: NodeProcessesReply,
  },
  /** Puts a node in maintenance (or changes its reason and end); answers the node as it is then. */
  startMaintenance: {
    kind: 'cmd',
    context: 'registry',
    what: 'node-maintenance-start',
    request: StartMaintenanceRequest,
    reply: NodeView,
  },
  endMaintenance: {
    kind: 'cmd',
    context: 'registry',
    what: 'node-maintenance-end',
    request: EndMaintenanceRequest,
    reply: NodeView,
  },
  /** Drops the nodes read model and replays the event stream into it; answers once caught up. */
  rebuildProjection: {
    kind: 'cmd',
    context: 'registry',
    what: 'rebuild-projection',
    request: RebuildProjectionRequest,
    reply: RebuildProjectionReply,
  },
} as const;
