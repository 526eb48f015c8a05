import type { HealthCheck, z } from '@vigil/contracts';
import { commandProbe } from './command.probe';
import { httpProbe } from './http.probe';
import { tcpProbe } from './tcp.probe';

export type HealthCheckTarget = z.infer<typeof HealthCheck>;

/**
 * One health check attempt: resolves when the process is healthy, rejects with the reason
 * otherwise. It stops its work when `signal` aborts (the check timed out).
 */
export type HealthProbe = (signal: AbortSignal) => Promise<void>;
export type HealthProbeFactory = (check: HealthCheckTarget) => HealthProbe;

export const createHealthProbe: HealthProbeFactory = (check) => {
  switch (check.type) {
    case 'http':
      return httpProbe(check.url, check.expectStatus);
    case 'tcp':
      return tcpProbe(check.host, check.port);
    case 'command':
      return commandProbe(check.command, check.args);
    default: {
      const never: never = check;
      return never;
    }
  }
};
