import { statfs } from 'node:fs/promises';
import type { Collector, CollectorDeps } from './collector';
import { CpuCollector } from './cpu.collector';
import { FilesystemCollector } from './filesystem.collector';
import { LoadCollector } from './load.collector';
import { MemoryCollector } from './memory.collector';
import { NetworkCollector } from './network.collector';
import { createProcReader } from './proc-reader';
import { UptimeCollector } from './uptime.collector';

export type { Collector, CollectorDeps } from './collector';
export { CollectorRunner } from './collector-runner';

/** Every collector the agent runs, in one place. */
export function createCollectors(deps: CollectorDeps): Collector[] {
  return [
    new CpuCollector(deps),
    new LoadCollector(deps),
    new MemoryCollector(deps),
    new FilesystemCollector(deps),
    new NetworkCollector(deps),
    new UptimeCollector(deps),
  ];
}

/** Collectors reading this host's /proc and filesystems. */
export function createHostCollectors(deps: Pick<CollectorDeps, 'clock' | 'logger'>): Collector[] {
  return createCollectors({ ...deps, proc: createProcReader(), statfs: (mountPoint) => statfs(mountPoint) });
}
