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
});
export type AlertEnv = z.infer<typeof AlertEnv>;
