import { z } from '@vigil/contracts';

/** alert-svc's own environment keys (the common ones come from the platform). */
export const AlertEnv = z.object({
  /** Install the default rule pack at start (each rule once: one an operator deleted stays deleted). */
  VIGIL_ALERT_DEFAULT_RULES: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** The evaluator's lease: a dead evaluator's alerts are taken over after this long. */
  VIGIL_ALERT_LEASE_MS: z.coerce.number().int().min(500).default(6000),
  /**
   * How far before the longest absent `for` an activation reads the samples received, so a
   * series that stopped while no evaluator ran (a restart, a takeover) for up to this long
   * still fires. More costs more samples read at each activation.
   */
  VIGIL_ALERT_ABSENT_LOOKBACK_MS: z.coerce.number().int().min(0).default(60_000),
});
export type AlertEnv = z.infer<typeof AlertEnv>;
