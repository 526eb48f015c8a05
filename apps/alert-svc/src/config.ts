import { z } from '@vigil/contracts';
import { AgentIdentityEnv } from '@vigil/platform';
import { DEFAULT_MAX_GROUPS_PER_RULE } from './evaluation/group-limit';
import { DEFAULT_MAX_WINDOW_SAMPLES } from './evaluation/threshold.evaluator';

/** alert-svc's own environment keys (the common ones come from the platform). */
export const AlertEnv = z.object({
  /** Install the default rule pack at start (each rule once: one an operator deleted stays deleted). */
  VIGIL_ALERT_DEFAULT_RULES: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** The evaluator's lease: a dead evaluator's alerts are taken over after this long. */
  VIGIL_ALERT_LEASE_MS: z.coerce.number().int().min(500).default(6000),
  /** The notification config (receivers, routing tree, inhibition rules): a YAML or JSON file. */
  VIGIL_ALERT_NOTIFY_CONFIG: z.string().min(1).optional(),
  /**
   * The console's address as operators open it (e.g. `https://vigil.example.com`): notifications
   * link to their alerts there (`/alerts?fingerprint=…`). Takes the place of the notify config's
   * `externalUrl`; with neither, messages carry no link.
   */
  VIGIL_EXTERNAL_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** How long delivered and failed notifications stay in the history. */
  VIGIL_ALERT_NOTIFICATION_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** A notification still undelivered this long after it was recorded is given up. */
  VIGIL_ALERT_DELIVERY_MAX_AGE_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** The first retry of a failed delivery waits about this long (doubling each time, with jitter). */
  VIGIL_ALERT_DELIVERY_BACKOFF_MS: z.coerce.number().int().min(10).default(1000),
  /**
   * How far before the longest absent `for` an activation reads the samples received, so a
   * series that stopped while no evaluator ran (a restart, a takeover) for up to this long
   * still fires. More costs more samples read at each activation.
   */
  VIGIL_ALERT_ABSENT_LOOKBACK_MS: z.coerce.number().int().min(0).default(60_000),
  /**
   * The most groups (label value sets) one rule holds in the evaluator: absent and missing
   * groups, and active alerts. A new group past it is refused, counted in
   * `vigil_alert_groups_limited_total{rule,holder}` and logged once a minute; none held is dropped.
   */
  VIGIL_ALERT_MAX_GROUPS_PER_RULE: z.coerce.number().int().min(1).default(DEFAULT_MAX_GROUPS_PER_RULE),
  /**
   * The samples all threshold windows (`avg/max/min over D`) hold together. Past it the least
   * recently fed windows are evicted, counted in `vigil_alert_window_budget_evictions_total`.
   */
  VIGIL_ALERT_MAX_WINDOW_SAMPLES: z.coerce.number().int().min(1).default(DEFAULT_MAX_WINDOW_SAMPLES),
  /** As in metrics-svc: the identity gate applied to the samples the rules read. */
  ...AgentIdentityEnv,
});
export type AlertEnv = z.infer<typeof AlertEnv>;
