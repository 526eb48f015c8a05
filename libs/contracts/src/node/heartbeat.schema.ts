import * as z from 'zod';
import { AppliedConfig } from '../agent/agent-config.schema';
import { IsoTimestamp, NodeId, NodeLabels } from '../common.schema';

/** Sent by every agent every few seconds on `telemetry.heartbeat.<nodeId>`. */
export const Heartbeat = z.object({
  nodeId: NodeId,
  /** Monotonic per agent process start; resets when the agent restarts. */
  seq: z.number().int().nonnegative(),
  sentAt: IsoTimestamp,
  hostname: z.string().min(1).max(255),
  agentVersion: z.string().min(1).max(64),
  /** How long the agent process has run (the host's uptime is the `node_uptime_seconds` sample). */
  uptimeSeconds: z.number().nonnegative(),
  intervalMs: z.number().int().positive(),
  labels: NodeLabels.default({}),
  /** The configuration the agent runs (absent from agents that predate remote config). */
  config: AppliedConfig.optional(),
});
export type Heartbeat = z.infer<typeof Heartbeat>;
