import { NodeMetric, type Sample } from '@vigil/contracts';
import type { Collector, CollectorDeps } from './collector';
import { MissingSource } from './missing-source';

/** Parses /proc/uptime (`2316.20 4405.19`): seconds since boot, then idle seconds of all CPUs. */
export function parseUptime(text: string): number {
  const seconds = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`unexpected /proc/uptime: "${text.trim()}"`);
  return seconds;
}

/** node_uptime_seconds: time since the host booted. */
export class UptimeCollector implements Collector {
  readonly name = 'uptime';
  private readonly missing: MissingSource;

  constructor(private readonly deps: Pick<CollectorDeps, 'proc' | 'logger'>) {
    this.missing = new MissingSource(deps.logger, this.name);
  }

  async collect(): Promise<Sample[]> {
    const text = await this.deps.proc.read('uptime');
    if (text === undefined) return this.missing.noSamples('/proc/uptime');
    return [{ name: NodeMetric.uptimeSeconds, labels: {}, value: parseUptime(text) }];
  }
}
