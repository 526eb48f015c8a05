import { NodeMetric, type Sample } from '@vigil/contracts';
import type { Collector, CollectorDeps } from './collector';
import { counterRate } from './counter-rate';
import { MissingSource } from './missing-source';

export interface InterfaceCounters {
  receiveBytes: number;
  transmitBytes: number;
}

/**
 * Parses /proc/net/dev: two header lines, then `<device>: <8 receive fields> <8 transmit
 * fields>`. Large counters can touch the colon (`eth0:531412303`).
 */
export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const devices = new Map<string, InterfaceCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const device = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (!device || fields.length < 16 || fields.some((f) => !Number.isFinite(f))) continue;
    devices.set(device, { receiveBytes: fields[0], transmitBytes: fields[8] });
  }
  return devices;
}

/** Loopback traffic says nothing about the host's network. */
const IGNORED_DEVICES = new Set(['lo']);

interface Reading {
  atMs: number;
  devices: Map<string, InterfaceCounters>;
}

/**
 * node_network_receive_bytes_total / transmit (counters, label `device`) and the per-second
 * rates since the previous tick. A device seen for the first time, or whose counter
 * went backwards, gets no rate that tick.
 */
export class NetworkCollector implements Collector {
  readonly name = 'network';
  private previous?: Reading;
  private readonly missing: MissingSource;

  constructor(private readonly deps: Pick<CollectorDeps, 'proc' | 'clock' | 'logger'>) {
    this.missing = new MissingSource(deps.logger, this.name);
  }

  async collect(): Promise<Sample[]> {
    const text = await this.deps.proc.read('net/dev');
    if (text === undefined) return this.missing.noSamples('/proc/net/dev');
    const current: Reading = { atMs: this.deps.clock.monotonicMs(), devices: parseNetDev(text) };
    const previous = this.previous;
    this.previous = current;
    const samples: Sample[] = [];
    for (const [device, counters] of current.devices) {
      if (IGNORED_DEVICES.has(device)) continue;
      const labels = { device };
      samples.push(
        { name: NodeMetric.networkReceiveBytesTotal, labels, value: counters.receiveBytes },
        { name: NodeMetric.networkTransmitBytesTotal, labels, value: counters.transmitBytes },
      );
      const before = previous?.devices.get(device);
      if (!previous || !before) continue;
      const elapsedMs = current.atMs - previous.atMs;
      const receiveRate = counterRate(before.receiveBytes, counters.receiveBytes, elapsedMs);
      const transmitRate = counterRate(before.transmitBytes, counters.transmitBytes, elapsedMs);
      if (receiveRate !== undefined) samples.push({ name: NodeMetric.networkReceiveBytesPerSecond, labels, value: receiveRate });
      if (transmitRate !== undefined) samples.push({ name: NodeMetric.networkTransmitBytesPerSecond, labels, value: transmitRate });
    }
    return samples;
  }
}
