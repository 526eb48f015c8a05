import { NodeMetric, type Sample } from '@vigil/contracts';
import type { Collector, CollectorDeps } from './collector';
import { MissingSource } from './missing-source';

export interface SchedulerCounts {
  /** Tasks (threads) runnable right now, the one reading included. */
  running: number;
  /** Tasks in uninterruptible sleep, mostly waiting for disk I/O. */
  blocked: number;
}

/** Parses `procs_running` and `procs_blocked` of /proc/stat, which the kernel keeps itself. */
export function parseSchedulerCounts(text: string): SchedulerCounts {
  const running = /^procs_running (\d+)$/m.exec(text);
  const blocked = /^procs_blocked (\d+)$/m.exec(text);
  if (!running || !blocked) throw new Error('/proc/stat has no procs_running or procs_blocked line');
  return { running: Number(running[1]), blocked: Number(blocked[1]) };
}

/**
 * The state letter of a /proc/<pid>/stat line (`R`, `S`, `D`, `Z`, `I` …): the field after the
 * command name, which is in parentheses and may itself hold spaces and parentheses, so the
 * last `)` ends it.
 */
export function parsePidState(text: string): string {
  const end = text.lastIndexOf(')');
  const state = end < 0 ? '' : text.charAt(end + 2);
  if (!/^[A-Za-z]$/.test(state)) throw new Error(`unexpected /proc/<pid>/stat: "${text.slice(0, 80)}"`);
  return state;
}

const isPid = (name: string) => /^\d+$/.test(name);

/**
 * Share of its own period the process scan may take: a scan that took 5 ms runs again no sooner
 * than 500 ms later. A process costs ~5 µs (2-vCPU VM), so up to ~2,000 processes the scan runs
 * every second; with 20,000 every ten.
 */
const SCAN_TIME_SHARE = 0.01;

/**
 * node_procs_running and node_procs_blocked on every run, from the two counters the kernel keeps
 * in /proc/stat (no per-process work at all). node_procs_total and node_procs_zombie need one
 * read of /proc/<pid>/stat per process (there is no kernel-wide zombie count, and /proc/loadavg
 * counts threads, not processes); that scan reads only the stat line, synchronously (see
 * createProcReader), and runs only as often as keeps it under 1 % of the time, so on a host with
 * many processes these two come in fewer batches rather than costing more CPU. Kernel threads
 * count as processes, as in `ps -e`.
 */
export class ProcessesCollector implements Collector {
  readonly name = 'processes';
  private nextScanAtMs = Number.NEGATIVE_INFINITY;
  private readonly missing: MissingSource;

  constructor(private readonly deps: Pick<CollectorDeps, 'proc' | 'clock' | 'logger'>) {
    this.missing = new MissingSource(deps.logger, this.name);
  }

  async collect(): Promise<Sample[]> {
    const text = await this.deps.proc.read('stat');
    if (text === undefined) return this.missing.noSamples('/proc/stat');
    const { running, blocked } = parseSchedulerCounts(text);
    const samples: Sample[] = [
      { name: NodeMetric.procsRunning, labels: {}, value: running },
      { name: NodeMetric.procsBlocked, labels: {}, value: blocked },
    ];
    const startedMs = this.deps.clock.monotonicMs();
    if (startedMs < this.nextScanAtMs) return samples;
    const { total, zombie } = await this.scan();
    this.nextScanAtMs = startedMs + (this.deps.clock.monotonicMs() - startedMs) / SCAN_TIME_SHARE;
    samples.push(
      { name: NodeMetric.procsTotal, labels: {}, value: total },
      { name: NodeMetric.procsZombie, labels: {}, value: zombie },
    );
    return samples;
  }

  /** A process that exits between the listing and the read is not counted. */
  private async scan(): Promise<{ total: number; zombie: number }> {
    let total = 0;
    let zombie = 0;
    for (const name of (await this.deps.proc.list('')) ?? []) {
      if (!isPid(name)) continue;
      const stat = await this.deps.proc.read(`${name}/stat`);
      if (stat === undefined) continue;
      total++;
      if (parsePidState(stat) === 'Z') zombie++;
    }
    return { total, zombie };
  }
}
