import * as z from 'zod';
import { IsoTimestamp, NodeId } from '../common.schema';

export const SupervisorEventType = z.enum(['started', 'exited', 'unhealthy', 'restarted', 'given_up']);
export type SupervisorEventType = z.infer<typeof SupervisorEventType>;

/**
 * What happened to a third-party agent (filebeat, telegraf, node_exporter …) that a node
 * agent supervises, on `telemetry.agent-events.<nodeId>`. `started` is the first spawn of
 * a definition, `restarted` a spawn by the restart policy (`reason` says why), `exited`
 * carries the exit code or the signal (or, when the process could not be spawned at all,
 * only a `reason`), `unhealthy` the last failed health check, `given_up` why the
 * supervisor stopped restarting it.
 */
export const SupervisorEvent = z.object({
  nodeId: NodeId,
  /** The `name` of the SupervisedProcess in the agent config. */
  process: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/)
    .max(128),
  type: SupervisorEventType,
  at: IsoTimestamp,
  pid: z.number().int().positive().optional(),
  exitCode: z.number().int().min(0).max(255).optional(),
  signal: z
    .string()
    .regex(/^SIG[A-Z0-9]+$/)
    .optional(),
  reason: z.string().max(2048).optional(),
});
export type SupervisorEvent = z.infer<typeof SupervisorEvent>;
