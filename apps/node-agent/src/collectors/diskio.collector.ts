import { NodeMetric, type Sample } from '@vigil/contracts';
import type { Collector, CollectorDeps } from './collector';
import { CounterHistory } from './counter-rate';
import { MissingSource } from './missing-source';

export interface DiskCounters {
  readsCompleted: number;
  readBytes: number;
  writesCompleted: number;
  writtenBytes: number;
  ioTimeSeconds: number;
}

/** /proc/diskstats counts in 512-byte sectors whatever the device's own sector size. */
const SECTOR_BYTES = 512;

/**
 * Parses /proc/diskstats: `major minor name` and then (kernel 2.6.25+) at least 11 counters,
 * of which reads completed (1), sectors read (3), writes completed (5), sectors written (7)
 * and milliseconds with I/O in flight (10) are kept.
 */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const devices = new Map<string, DiskCounters>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 14) continue;
    const counters = fields.slice(3, 14).map(Number);
    if (counters.some((c) => !Number.isFinite(c))) continue;
    devices.set(fields[2], {
      readsCompleted: counters[0],
      readBytes: counters[2] * SECTOR_BYTES,
      writesCompleted: counters[4],
      writtenBytes: counters[6] * SECTOR_BYTES,
      ioTimeSeconds: counters[9] / 1000,
    });
  }
  return devices;
}

/** Memory-backed (ram, zram), file-backed (loop) and floppy devices say nothing about the disks. */
const NOT_A_DISK = /^(loop|ram|zram|fd)\d+$/;

/**
 * Whether a /proc/diskstats device is a whole disk worth reporting. Whole devices, including
 * device-mapper and md, are exactly the names in /sys/block; partitions are not, and would
 * count their I/O twice. Without /sys (`blockDevices` undefined) partitions stay in.
 */
export function isWholeDisk(device: string, blockDevices: ReadonlySet<string> | undefined): boolean {
  return !NOT_A_DISK.test(device) && (blockDevices === undefined || blockDevices.has(device));
}

const COUNTERS: readonly [keyof DiskCounters, string][] = [
  ['readsCompleted', NodeMetric.diskReadsCompletedTotal],
  ['writesCompleted', NodeMetric.diskWritesCompletedTotal],
  ['readBytes', NodeMetric.diskReadBytesTotal],
  ['writtenBytes', NodeMetric.diskWrittenBytesTotal],
  ['ioTimeSeconds', NodeMetric.diskIoTimeSecondsTotal],
];

const RATES: readonly [keyof DiskCounters, string][] = [
  ['readsCompleted', NodeMetric.diskReadsCompletedPerSecond],
  ['writesCompleted', NodeMetric.diskWritesCompletedPerSecond],
  ['readBytes', NodeMetric.diskReadBytesPerSecond],
  ['writtenBytes', NodeMetric.diskWrittenBytesPerSecond],
];

/**
 * Per whole disk (label `device`): operations and bytes read and written and the time busy as
 * `_total` counters; operations and bytes per second and node_disk_busy_ratio since the
 * previous run. A disk seen for the first time, or whose counter went backwards, gets no rate
 * that run.
 */
export class DiskIoCollector implements Collector {
  readonly name = 'diskio';
  private readonly history = new CounterHistory<DiskCounters>();
  private readonly missing: MissingSource;

  constructor(private readonly deps: Pick<CollectorDeps, 'proc' | 'sys' | 'clock' | 'logger'>) {
    this.missing = new MissingSource(deps.logger, this.name);
  }

  async collect(): Promise<Sample[]> {
    const text = await this.deps.proc.read('diskstats');
    if (text === undefined) return this.missing.noSamples('/proc/diskstats');
    const listed = await this.deps.sys.list('block');
    const blockDevices = listed && new Set(listed);
    const disks = new Map([...parseDiskstats(text)].filter(([device]) => isWholeDisk(device, blockDevices)));
    this.history.record(this.deps.clock.monotonicMs(), disks);
    const samples: Sample[] = [];
    for (const [device, counters] of disks) {
      const labels = { device };
      for (const [counter, name] of COUNTERS) samples.push({ name, labels, value: counters[counter] });
      for (const [counter, name] of RATES) {
        const rate = this.history.rate(device, counter);
        if (rate !== undefined) samples.push({ name, labels, value: rate });
      }
      const busy = this.history.rate(device, 'ioTimeSeconds');
      // The kernel's busy time and the agent's clock are read at slightly different moments.
      if (busy !== undefined) samples.push({ name: NodeMetric.diskBusyRatio, labels, value: Math.min(1, busy) });
    }
    return samples;
  }
}
