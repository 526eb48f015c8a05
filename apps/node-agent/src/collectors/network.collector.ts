import { NodeMetric, type Sample } from '@vigil/contracts';
import type { Collector, CollectorDeps } from './collector';
import { CounterHistory } from './counter-rate';
import { MissingSource } from './missing-source';

export interface InterfaceCounters {
  receiveBytes: number;
  receivePackets: number;
  receiveErrs: number;
  receiveDrop: number;
  transmitBytes: number;
  transmitPackets: number;
  transmitErrs: number;
  transmitDrop: number;
}

/**
 * Parses /proc/net/dev: two header lines, then `<device>: <8 receive fields> <8 transmit
 * fields>`, each group starting with bytes, packets, errs, drop. Large counters can touch the
 * colon (`eth0:531412303`).
 */
export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const devices = new Map<string, InterfaceCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const device = line.slice(0, colon).trim();
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (!device || fields.length < 16 || fields.some((f) => !Number.isFinite(f))) continue;
    devices.set(device, {
      receiveBytes: fields[0],
      receivePackets: fields[1],
      receiveErrs: fields[2],
      receiveDrop: fields[3],
      transmitBytes: fields[8],
      transmitPackets: fields[9],
      transmitErrs: fields[10],
      transmitDrop: fields[11],
    });
  }
  return devices;
}

/** Loopback traffic says nothing about the host's network. */
const IGNORED_DEVICES = new Set(['lo']);

const COUNTERS: readonly [keyof InterfaceCounters, string][] = [
  ['receiveBytes', NodeMetric.networkReceiveBytesTotal],
  ['transmitBytes', NodeMetric.networkTransmitBytesTotal],
  ['receivePackets', NodeMetric.networkReceivePacketsTotal],
  ['transmitPackets', NodeMetric.networkTransmitPacketsTotal],
  ['receiveErrs', NodeMetric.networkReceiveErrsTotal],
  ['transmitErrs', NodeMetric.networkTransmitErrsTotal],
  ['receiveDrop', NodeMetric.networkReceiveDropTotal],
  ['transmitDrop', NodeMetric.networkTransmitDropTotal],
];

/** Errors and drops are rare events whose counter increase is what matters; they get no rate. */
const RATES: readonly [keyof InterfaceCounters, string][] = [
  ['receiveBytes', NodeMetric.networkReceiveBytesPerSecond],
  ['transmitBytes', NodeMetric.networkTransmitBytesPerSecond],
  ['receivePackets', NodeMetric.networkReceivePacketsPerSecond],
  ['transmitPackets', NodeMetric.networkTransmitPacketsPerSecond],
];

/**
 * Per interface (label `device`): bytes, packets, errors and drops received and transmitted as
 * `_total` counters, and bytes and packets per second since the previous run. An interface seen
 * for the first time, or whose counter went backwards, gets no rate that run.
 */
export class NetworkCollector implements Collector {
  readonly name = 'network';
  private readonly history = new CounterHistory<InterfaceCounters>();
  private readonly missing: MissingSource;

  constructor(private readonly deps: Pick<CollectorDeps, 'proc' | 'clock' | 'logger'>) {
    this.missing = new MissingSource(deps.logger, this.name);
  }

  async collect(): Promise<Sample[]> {
    const text = await this.deps.proc.read('net/dev');
    if (text === undefined) return this.missing.noSamples('/proc/net/dev');
    const devices = parseNetDev(text);
    this.history.record(this.deps.clock.monotonicMs(), devices);
    const samples: Sample[] = [];
    for (const [device, counters] of devices) {
      if (IGNORED_DEVICES.has(device)) continue;
      const labels = { device };
      for (const [counter, name] of COUNTERS) samples.push({ name, labels, value: counters[counter] });
      for (const [counter, name] of RATES) {
        const rate = this.history.rate(device, counter);
        if (rate !== undefined) samples.push({ name, labels, value: rate });
      }
    }
    return samples;
  }
}
