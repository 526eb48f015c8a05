import { statfs } from 'node:fs/promises';
import { type AgentConfig, CollectorName } from '@vigil/contracts';
import type { Collector, CollectorDeps, ScheduledCollector } from './collector';
import { CpuCollector } from './cpu.collector';
import { DiskIoCollector } from './diskio.collector';
import { createProcReader, createSysReader } from './file-reader';
import { FilesystemCollector } from './filesystem.collector';
import { GpuCollector } from './gpu.collector';
import { LoadCollector } from './load.collector';
import { MemoryCollector } from './memory.collector';
import { NetworkCollector } from './network.collector';
import { ProcessesCollector } from './processes.collector';
import { TemperatureCollector } from './temperature.collector';
import { UptimeCollector } from './uptime.collector';

export type { Collector, CollectorDeps, ScheduledCollector } from './collector';
export { CollectorRunner } from './collector-runner';

/** Per-collector settings as the agent config carries them; a collector not named there runs on every sample tick. */
export type CollectorsConfig = AgentConfig['collectors'];

/** Every collector the agent has, in one place, by the name the config uses for it. */
const COLLECTORS: Record<CollectorName, (deps: CollectorDeps) => Collector> = {
  cpu: (deps) => new CpuCollector(deps),
  load: (deps) => new LoadCollector(deps),
  memory: (deps) => new MemoryCollector(deps),
  filesystem: (deps) => new FilesystemCollector(deps),
  diskio: (deps) => new DiskIoCollector(deps),
  network: (deps) => new NetworkCollector(deps),
  processes: (deps) => new ProcessesCollector(deps),
  uptime: (deps) => new UptimeCollector(deps),
  temperature: (deps) => new TemperatureCollector(deps),
  gpu: (deps) => new GpuCollector(deps),
};

/** The collectors `config` leaves enabled (all by default), each with its own interval if it has one. */
export function createCollectors(deps: CollectorDeps, config: CollectorsConfig = {}): ScheduledCollector[] {
  return CollectorName.options
    .filter((name) => config[name]?.enabled !== false)
    .map((name) => ({ collector: COLLECTORS[name](deps), intervalMs: config[name]?.intervalMs }));
}

/** Collectors reading this host's /proc, /sys and filesystems, and running its nvidia-smi. */
export function createHostCollectors(
  deps: Pick<CollectorDeps, 'clock' | 'logger'>,
  config?: CollectorsConfig,
): ScheduledCollector[] {
  return createCollectors(
    {
      ...deps,
      proc: createProcReader(),
      sys: createSysReader(),
      statfs: (mountPoint) => statfs(mountPoint),
      env: process.env,
    },
    config,
  );
}
