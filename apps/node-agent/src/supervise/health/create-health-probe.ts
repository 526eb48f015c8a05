import { commandProbe } from './command.probe';
import type { HealthProbeFactory } from './health-probe';
import { httpProbe } from './http.probe';
import { tcpProbe } from './tcp.probe';

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
