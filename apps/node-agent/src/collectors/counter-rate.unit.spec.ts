import { CounterHistory, counterRate } from './counter-rate';

describe('counterRate', () => {
  it('is the increase per second', () => {
    expect(counterRate(1000, 3000, 500)).toBe(4000);
    expect(counterRate(5, 5, 1000)).toBe(0);
  });

  it('is undefined after a counter reset or wrap, or when no time passed', () => {
    expect(counterRate(3000, 100, 1000)).toBeUndefined();
    // A 32-bit counter wrapping: indistinguishable from a reset, so no rate rather than a wrong one.
    expect(counterRate(2 ** 32 - 10, 5, 1000)).toBeUndefined();
    expect(counterRate(1, 2, 0)).toBeUndefined();
  });
});

describe('CounterHistory', () => {
  interface Counters {
    bytes: number;
  }
  const reading = (entries: [string, number][]) =>
    new Map<string, Counters>(entries.map(([k, bytes]) => [k, { bytes }]));

  it('gives rates between the latest two records, only for keys in both', () => {
    const history = new CounterHistory<Counters>();
    history.record(0, reading([['eth0', 100]]));
    expect(history.rate('eth0', 'bytes')).toBeUndefined();
    history.record(
      2000,
      reading([
        ['eth0', 300],
        ['eth1', 50],
      ]),
    );
    expect(history.rate('eth0', 'bytes')).toBe(100);
    expect(history.rate('eth1', 'bytes')).toBeUndefined();
  });

  it('forgets a key missing from a tick and gives no rate for it when it comes back', () => {
    const history = new CounterHistory<Counters>();
    history.record(0, reading([['veth1', 10]]));
    history.record(1000, reading([]));
    history.record(2000, reading([['veth1', 500]]));
    expect(history.rate('veth1', 'bytes')).toBeUndefined();
  });
});
