import type { HealthCheck, z } from '@vigil/contracts';

export type HealthCheckTarget = z.infer<typeof HealthCheck>;

/**
 * One health check attempt: resolves when the process is healthy, rejects with the reason
 * otherwise. It stops its work when `signal` aborts (the check timed out).
 */
export type HealthProbe = (signal: AbortSignal) => Promise<void>;
export type HealthProbeFactory = (check: HealthCheckTarget) => HealthProbe;
