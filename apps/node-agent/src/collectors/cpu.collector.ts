import { NodeMetric, type Sample } from '@vigil/contracts';
import type { Collector, CollectorDeps } from './collector';
import { MissingSource } from './missing-source';

/** The columns of a /proc/stat cpu line, in order. Guest time is already counted in user and nice. */
export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
export type CpuMode = (typeof CPU_MODES)[number];

/** Cumulative time of a CPU in each mode since boot, in seconds. */
export type CpuTimes = Record<CpuMode, number>;

/** The key of the aggregate `cpu` line in what parseCpuTimes returns; CPUs are '0', '1', … */
export const ALL_CPUS = 'all';

/**
 * USER_HZ, the unit of /proc/stat: 100 on every architecture Linux runs the agent on (x86,
 * arm64). Asking sysconf(_SC_CLK_TCK) would take a native addon or a process spawn.
 */
const TICKS_PER_SECOND = 100;

/**
 * Parses the cpu lines at the top of /proc/stat (`cpu  30912 0 8119 …`, then `cpu0 …`). Kernels
 * before 2.6.11 have fewer columns; the missing modes count as 0.
 */
export function parseCpuTimes(text: string): Map<string, CpuTimes> {
  const cpus = new Map<string, CpuTimes>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) break;
    const [label, ...columns] = line.split(/ +/);
    const ticks = columns.slice(0, CPU_MODES.length).map(Number);
    if (ticks.length < 4 || ticks.some((t) => !Number.isFinite(t)))
      throw new Error(`unexpected /proc/stat cpu line: "${line}"`);
    const times = {} as CpuTimes;
    CPU_MODES.forEach((mode, i) => (times[mode] = (ticks[i] ?? 0) / TICKS_PER_SECOND));
    cpus.set(label === 'cpu' ? ALL_CPUS : label.slice('cpu'.length), times);
  }
  if (!cpus.has(ALL_CPUS)) throw new Error('/proc/stat has no aggregate "cpu" line');
  return cpus;
}

/**
 * Share of the time between two readings spent in each mode, in percent. `undefined` when no
 * time passed or a counter went backwards (taken as a reset, as for every counter; iowait is
 * documented to do so now and then).
 */
export function cpuModePercents(previous: CpuTimes, current: CpuTimes): CpuTimes | undefined {
  let total = 0;
  for (const mode of CPU_MODES) {
    const spent = current[mode] - previous[mode];
    if (spent < 0) return undefined;
    total += spent;
  }
  if (total <= 0) return undefined;
  const percents = {} as CpuTimes;
  for (const mode of CPU_MODES) percents[mode] = (100 * (current[mode] - previous[mode])) / total;
  return percents;
}

/** Busy share in percent: everything but idle and iowait (waiting for I/O with nothing else to run). */
export function cpuUsagePercent(modes: CpuTimes): number {
  return Math.max(0, 100 - modes.idle - modes.iowait);
}

/**
 * node_cpu_seconds_total{cpu,mode} per CPU (the counters); node_cpu_usage_percent for all CPUs
 * (no label) and per CPU (label `cpu`); node_cpu_mode_percent{mode} for all CPUs. Percentages
 * cover the time since the previous run, so they start on the second.
 */
export class CpuCollector implements Collector {
  readonly name = 'cpu';
  private previous = new Map<string, CpuTimes>();
  private readonly missing: MissingSource;

  constructor(private readonly deps: Pick<CollectorDeps, 'proc' | 'logger'>) {
    this.missing = new MissingSource(deps.logger, this.name);
  }

  async collect(): Promise<Sample[]> {
    const text = await this.deps.proc.read('stat');
    if (text === undefined) return this.missing.noSamples('/proc/stat');
    const current = parseCpuTimes(text);
    const previous = this.previous;
    this.previous = current;
    const samples: Sample[] = [];
    for (const [cpu, times] of current) {
      const before = previous.get(cpu);
      const modes = before && cpuModePercents(before, times);
      if (cpu === ALL_CPUS) {
        if (modes) samples.push(...allCpuSamples(modes));
        continue;
      }
      for (const mode of CPU_MODES)
        samples.push({ name: NodeMetric.cpuSecondsTotal, labels: { cpu, mode }, value: times[mode] });
      if (modes) samples.push({ name: NodeMetric.cpuUsagePercent, labels: { cpu }, value: cpuUsagePercent(modes) });
    }
    return samples;
  }
}

function allCpuSamples(modes: CpuTimes): Sample[] {
  return [
    { name: NodeMetric.cpuUsagePercent, labels: {}, value: cpuUsagePercent(modes) },
    ...CPU_MODES.map((mode) => ({ name: NodeMetric.cpuModePercent, labels: { mode }, value: modes[mode] })),
  ];
}
