import { NodeMetric, type Sample } from '@vigil/contracts';
import type { Collector, CollectorDeps } from './collector';
import { MissingSource } from './missing-source';

/** Cumulative CPU time of all CPUs since boot, in clock ticks (USER_HZ). */
export interface CpuTimes {
  /** idle + iowait */
  idle: number;
  /** user + nice + system + idle + iowait + irq + softirq + steal (guest time is already in user and nice) */
  total: number;
}

/** Parses the aggregate `cpu` line of /proc/stat. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no aggregate "cpu" line');
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 4 || fields.some((f) => !Number.isFinite(f))) {
    throw new Error(`unexpected /proc/stat cpu line: "${line}"`);
  }
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { idle: idle + iowait, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/**
 * Busy share of CPU time between two readings, in percent. `undefined` when no time
 * passed or the counters went backwards (they do not, short of a bug or a restore).
 */
export function cpuUsagePercent(previous: CpuTimes, current: CpuTimes): number | undefined {
  const total = current.total - previous.total;
  const idle = current.idle - previous.idle;
  if (total <= 0 || idle < 0 || idle > total) return undefined;
  return (100 * (total - idle)) / total;
}

/** node_cpu_usage_percent over all CPUs, from the change of /proc/stat since the previous tick. */
export class CpuCollector implements Collector {
  readonly name = 'cpu';
  private previous?: CpuTimes;
  private readonly missing: MissingSource;

  constructor(private readonly deps: Pick<CollectorDeps, 'proc' | 'logger'>) {
    this.missing = new MissingSource(deps.logger, this.name);
  }

  async collect(): Promise<Sample[]> {
    const text = await this.deps.proc.read('stat');
    if (text === undefined) return this.missing.noSamples('/proc/stat');
    const current = parseProcStat(text);
    const previous = this.previous;
    this.previous = current;
    const usage = previous && cpuUsagePercent(previous, current);
    return usage === undefined ? [] : [{ name: NodeMetric.cpuUsagePercent, labels: {}, value: usage }];
  }
}
