import { z } from '@vigil/contracts';

/** registry-svc's own environment keys (the common ones come from the platform). */
export const RegistryEnv = z.object({
  VIGIL_OFFLINE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(15_000),
  VIGIL_PRESENCE_SWEEP_MS: z.coerce.number().int().min(100).default(1000),
  /**
   * When true, messages from nodes that never enrolled are refused. Off by default so a
   * fresh install and the simulator work without tokens; an enrolled node's messages must
   * always be signed, whatever this says.
   */
  VIGIL_REQUIRE_ENROLLMENT: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});
export type RegistryEnv = z.infer<typeof RegistryEnv>;
