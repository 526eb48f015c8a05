import {
  type LedgerBatch,
  compareAlerts,
  compareNotifications,
  compareRegistry,
  compareSamples,
  failures,
  Ledger,
  seriesKey,
} from './ledger';

const batch = (nodeId: string, seq: number, timestamp: number, value: number): LedgerBatch => ({
  nodeId,
  seq,
  timestamp,
  intervalMs: 1000,
  samples: [
    { name: 'cpu', labels: {}, value },
    { name: 'disk', labels: { mount: '/', dev: 'sda' }, value: value * 2 },
  ],
});

function ledgerOf(): Ledger {
  const l = new Ledger();
  l.recordBatch(batch('a', 1, 10_000, 5));
  l.recordBatch(batch('a', 2, 11_000, 7));
  l.recordBatch(batch('b', 1, 21_000, 1));
  return l;
}

/** What a correct Vigil would have stored for `ledger`. */
const exact = (l: Ledger) => new Map([...l.samples].map(([k, v]) => [k, { ...v }]));

describe('the chaos ledger', () => {
  it('keys a series by node, metric and sorted labels, per 10 s bucket', () => {
    const l = ledgerOf();
    expect(seriesKey('a', 'disk', { mount: '/', dev: 'sda' })).toBe(seriesKey('a', 'disk', { dev: 'sda', mount: '/' }));
    expect(l.samples.get(`${seriesKey('a', 'cpu', {})}|10000`)).toEqual({ count: 2, sum: 12 });
    expect(l.samples.get(`${seriesKey('b', 'disk', { mount: '/', dev: 'sda' })}|20000`)).toEqual({ count: 1, sum: 2 });
    expect(l.totalSamples).toBe(6);
  });

  it('finds nothing when the rollups hold exactly what was sent', () => {
    const l = ledgerOf();
    expect(compareSamples(l, exact(l))).toMatchObject({
      expected: 6,
      stored: 6,
      lost: 0,
      countedTwice: 0,
      sumMismatches: 0,
    });
  });

  it('reports samples lost, counted twice, stored but never sent, and wrong sums', () => {
    const l = ledgerOf();
    const stored = exact(l);
    const cpuA = `${seriesKey('a', 'cpu', {})}|10000`;
    stored.set(cpuA, { count: 1, sum: 5 });
    stored.set(`${seriesKey('b', 'cpu', {})}|20000`, { count: 2, sum: 2 });
    stored.set(`${seriesKey('b', 'disk', { mount: '/', dev: 'sda' })}|20000`, { count: 1, sum: 3 });
    stored.set(`${seriesKey('c', 'cpu', {})}|20000`, { count: 4, sum: 0 });
    const r = compareSamples(l, stored);
    expect(r).toMatchObject({ lost: 1, countedTwice: 1 + 4, sumMismatches: 1 });
    expect(
      failures({
        samples: r,
        registry: compareRegistry(l, new Map()),
        alerts: compareAlerts(l, []),
        notifications: compareNotifications(l, []),
      }),
    ).toEqual(['1 samples lost', '5 samples counted twice', '1 series buckets with a wrong sum']);
  });

  it('checks every heartbeating node is online, last seen when its last heartbeat was stored', () => {
    const l = new Ledger();
    l.recordHeartbeat('a', 1000, 1010);
    l.recordHeartbeat('a', 2000, 2020);
    l.recordHeartbeat('b', 2000, 2005);
    l.recordHeartbeat('c', 2000, 2005);
    const nodes = new Map([
      ['a', { status: 'online', lastSeenAt: 2010 }],
      ['b', { status: 'offline', lastSeenAt: 1000 }],
    ]);
    expect(compareRegistry(l, nodes)).toMatchObject({ expected: 3, missing: 1, notOnline: 1, staleLastSeen: 1 });
  });

  it('expects one firing per hot node, none for the others, and no resolution while hot', () => {
    const l = new Ledger();
    l.recordHot('h1', 0);
    l.recordHot('h2', 0);
    l.recordHot('h3', 0);
    const history = [
      { node: 'h1', type: 'alert.firing' },
      { node: 'h2', type: 'alert.firing' },
      { node: 'h2', type: 'alert.firing' },
      { node: 'cool', type: 'alert.firing' },
      { node: 'h1', type: 'alert.resolved' },
    ];
    expect(compareAlerts(l, history)).toMatchObject({ lost: 1, duplicated: 1, unexpected: 1, falselyResolved: 1 });
  });

  it('allows repeats of one notification id, not a second id for the same group and status', () => {
    const l = new Ledger();
    l.recordHot('h1', 0);
    l.recordHot('h2', 0);
    l.recordHot('h3', 0);
    const n = (id: string, node: string, key = id) => ({
      id,
      idempotencyKey: key,
      groupKey: `g-${node}`,
      status: 'firing',
      node,
    });
    const r = compareNotifications(l, [
      n('1', 'h1'),
      n('1', 'h1'),
      n('2', 'h2'),
      n('3', 'h2'),
      n('4', 'cool'),
      n('5', 'h3', 'other'),
    ]);
    expect(r).toMatchObject({ lost: 0, allowedRepeats: 1, duplicated: 1, unexpected: 1, keyMismatches: 1 });
    expect(compareNotifications(l, [n('1', 'h1')])).toMatchObject({ lost: 2, duplicated: 0 });
  });
});
