import { z } from '@vigil/contracts';

export const GatewayEnv = z.object({
  VIGIL_RPC_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
});
export type GatewayEnv = z.infer<typeof GatewayEnv>;
