import { DEFAULT_SIGNATURE_SKEW_MS, z } from '@vigil/contracts';

/** The environment keys of every service that takes agent messages (registry-svc, metrics-svc, alert-svc). */
export const AgentIdentityEnv = {
  /**
   * When true, messages from nodes that never enrolled are refused. Off by default so a fresh
   * install and the simulator work without tokens; an enrolled node's messages must always be
   * signed, whatever this says.
   */
  VIGIL_REQUIRE_ENROLLMENT: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** How far a signed message's time may be from the time the stream stored it (replay protection). */
  VIGIL_SIGNATURE_SKEW_MS: z.coerce.number().int().min(1000).max(3_600_000).default(DEFAULT_SIGNATURE_SKEW_MS),
};
