import { REGISTRY_LIMITS, z } from '@vigil/contracts';
import { AgentIdentityEnv } from '@vigil/platform';

/** registry-svc's own environment keys (the common ones come from the platform). */
export const RegistryEnv = z.object({
  VIGIL_OFFLINE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(15_000),
  VIGIL_PRESENCE_SWEEP_MS: z.coerce.number().int().min(100).default(1000),
  /** Nodes that never enrolled registry-svc registers at most (REGISTRY_LIMITS.unenrolled_nodes). */
  VIGIL_MAX_UNENROLLED_NODES: z.coerce.number().int().min(0).default(REGISTRY_LIMITS.unenrolled_nodes),
  /** Distinct supervised process names kept per node (REGISTRY_LIMITS.supervised_processes_per_node). */
  VIGIL_MAX_SUPERVISED_PROCESSES: z.coerce.number().int().min(1).default(REGISTRY_LIMITS.supervised_processes_per_node),
  ...AgentIdentityEnv,
});
export type RegistryEnv = z.infer<typeof RegistryEnv>;
