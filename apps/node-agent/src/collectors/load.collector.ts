import { NodeMetric, type Sample } from '@vigil/contracts';
import type { Collector, CollectorDeps } from './collector';
import { MissingSource } from './missing-source';

export interface LoadAverage {
  load1: number;
  load5: number;
  load15: number;
}

/** Parses /proc/loadavg, e.g. `0.21 0.37 0.39 1/719 19737`. */
export function parseLoadAvg(text: string): LoadAverage {
  const [load1, load5, load15] = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (![load1, load5, load15].every((v) => Number.isFinite(v) && v >= 0)) {
    throw new Error(`unexpected /proc/loadavg: "${text.trim()}"`);
  }
  return { load1, load5, load15 };
}

/** node_load1, node_load5, node_load15. */
export class LoadCollector implements Collector {
  readonly name = 'load';
  private readonly missing: MissingSource;

  constructor(private readonly deps: Pick<CollectorDeps, 'proc' | 'logger'>) {
    this.missing = new MissingSource(deps.logger, this.name);
  }

  async collect(): Promise<Sample[]> {
    const text = await this.deps.proc.read('loadavg');
    if (text === undefined) return this.missing.noSamples('/proc/loadavg');
    const load = parseLoadAvg(text);
    return [
      { name: NodeMetric.load1, labels: {}, value: load.load1 },
      { name: NodeMetric.load5, labels: {}, value: load.load5 },
      { name: NodeMetric.load15, labels: {}, value: load.load15 },
    ];
  }
}
