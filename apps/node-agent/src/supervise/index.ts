import type { Logger } from 'pino';
import type { Clock } from '../clock';
import { createHealthProbe } from './health/create-health-probe';
import { inheritedEnv } from './process-spec';
import { spawnInProcessGroup } from './process-spawner';
import { getentAccountLookup } from './run-as';
import { systemScheduler } from './scheduler';
import { Supervisor } from './supervisor';

export { SupervisorEventPublisher } from './supervisor-event.publisher';
export { SupervisorCollector } from './supervisor.collector';

/** A Supervisor of real processes on this host. */
export function createHostSupervisor(deps: { clock: Clock; logger: Logger; env: NodeJS.ProcessEnv }): Supervisor {
  return new Supervisor({
    spawn: spawnInProcessGroup,
    healthProbe: createHealthProbe,
    lookupAccount: getentAccountLookup,
    // A platform without uids has no root either.
    agentUid: process.getuid?.() ?? -1,
    baseEnv: inheritedEnv(deps.env),
    clock: deps.clock,
    scheduler: systemScheduler,
    logger: deps.logger,
  });
}
