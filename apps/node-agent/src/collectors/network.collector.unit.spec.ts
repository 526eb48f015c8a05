import pino from 'pino';
import type { Clock } from '../clock';
import { fixtureFileReader, type FileReader } from './file-reader';
import { PROC_NET_DEV_AFTER, PROC_NET_DEV_BEFORE } from './fixtures/proc.fixtures';
import { NetworkCollector, parseNetDev } from './network.collector';

describe('parseNetDev', () => {
  it('reads bytes, packets, errors and drops per device of a captured /proc/net/dev', () => {
    const devices = parseNetDev(PROC_NET_DEV_BEFORE);
    expect([...devices.keys()]).toEqual(['lo', 'ifb0', 'ifb1', 'eth0']);
    expect(devices.get('eth0')).toEqual({
      receiveBytes: 545956382,
      receivePackets: 16081,
      receiveErrs: 0,
      receiveDrop: 0,
      transmitBytes: 1641084,
      transmitPackets: 10630,
      transmitErrs: 0,
      transmitDrop: 0,
    });
  });

  it('reads a counter that touches the colon, and errors and drops in their columns', () => {
    const text =
      'Inter-| Receive | Transmit\n face |bytes packets|bytes\n  eth1:4294967296 7 1 2 0 0 0 0 12 3 4 5 0 0 0 0\n';
    expect(parseNetDev(text).get('eth1')).toMatchObject({
      receiveBytes: 4294967296,
      receiveErrs: 1,
      receiveDrop: 2,
      transmitBytes: 12,
      transmitErrs: 4,
      transmitDrop: 5,
    });
  });
});

describe('NetworkCollector', () => {
  const logger = pino({ level: 'silent' });

  function setup(...texts: string[]) {
    let monotonic = 0;
    const clock: Clock = { now: () => 1_700_000_000_000 + monotonic, monotonicMs: () => monotonic };
    const proc: FileReader = { ...fixtureFileReader({}), read: async () => texts.shift() };
    const collector = new NetworkCollector({ proc, clock, logger });
    return { collector, advance: (ms: number) => (monotonic += ms) };
  }

  const valueOf = (
    samples: { name: string; labels: Record<string, string>; value: number }[],
    name: string,
    device = 'eth0',
  ) => samples.find((s) => s.name === name && s.labels.device === device)?.value;

  it('reports counters at once and rates from the second tick, leaving out loopback', async () => {
    const { collector, advance } = setup(PROC_NET_DEV_BEFORE, PROC_NET_DEV_AFTER);
    const first = await collector.collect();
    expect(valueOf(first, 'node_network_receive_bytes_total')).toBe(545956382);
    expect(valueOf(first, 'node_network_transmit_packets_total')).toBe(10630);
    expect(valueOf(first, 'node_network_receive_drop_total')).toBe(0);
    expect(first.some((s) => s.name.endsWith('_per_second'))).toBe(false);
    expect(first.some((s) => s.labels.device === 'lo')).toBe(false);

    advance(2000);
    const second = await collector.collect();
    expect(valueOf(second, 'node_network_receive_bytes_per_second')).toBe((549322226 - 545956382) / 2);
    expect(valueOf(second, 'node_network_transmit_bytes_per_second')).toBe((1649332 - 1641084) / 2);
    expect(valueOf(second, 'node_network_receive_packets_per_second')).toBe((16300 - 16081) / 2);
    expect(valueOf(second, 'node_network_receive_errs_per_second')).toBeUndefined();
    expect(valueOf(second, 'node_network_receive_bytes_per_second', 'ifb0')).toBe(0);
  });

  it('skips the rate for the tick after a counter reset and resumes from the new value', async () => {
    const line = (rx: number, tx: number) => `h1\nh2\n  eth0: ${rx} 0 0 0 0 0 0 0 ${tx} 0 0 0 0 0 0 0\n`;
    const { collector, advance } = setup(line(10_000, 5_000), line(200, 5_100), line(1_200, 5_200));
    await collector.collect();
    advance(1000);
    const afterReset = await collector.collect();
    expect(valueOf(afterReset, 'node_network_receive_bytes_total')).toBe(200);
    expect(valueOf(afterReset, 'node_network_receive_bytes_per_second')).toBeUndefined();
    expect(valueOf(afterReset, 'node_network_transmit_bytes_per_second')).toBe(100);
    advance(1000);
    expect(valueOf(await collector.collect(), 'node_network_receive_bytes_per_second')).toBe(1000);
  });
});
