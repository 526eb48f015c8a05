import { fnv1a32, partitionOf } from './partition';
import { createTopology, subjectToken } from './topology';

describe('topology', () => {
  it('names production subjects and streams without a prefix', () => {
    const t = createTopology();
    expect(t.subjects.heartbeat('n1')).toBe('telemetry.heartbeat.n1');
    expect(t.subjects.samples(3, 'n1')).toBe('telemetry.samples.3.n1');
    expect(t.subjects.agentEvents('n1')).toBe('telemetry.agent-events.n1');
    expect(t.subjects.events('node', 'n1')).toBe('events.node.n1');
    expect(t.subjects.qry('registry', 'nodes-list')).toBe('qry.registry.nodes-list');
    expect(t.subjects.dlq('registry-svc')).toBe('dlq.registry-svc');
    expect(t.streams).toEqual({ telemetry: 'TELEMETRY', events: 'EVENTS', dlq: 'DLQ' });
    expect(t.buckets).toEqual({ agentConfig: 'agent-config' });
  });

  it('isolates a prefixed deployment in subjects and stream names', () => {
    const t = createTopology('t1a2');
    expect(t.subjects.heartbeat('n1')).toBe('t1a2.telemetry.heartbeat.n1');
    expect(t.streams.events).toBe('T1A2_EVENTS');
    expect(t.buckets.agentConfig).toBe('t1a2-agent-config');
    expect(subjectToken(t, t.subjects.heartbeat('n-9'), 2)).toBe('n-9');
  });

  it('refuses ids that would break subject matching', () => {
    const t = createTopology();
    for (const bad of ['a.b', '*', '>', '', 'a b'])
      expect(() => t.subjects.heartbeat(bad)).toThrow(/not a valid subject token/);
  });
});

describe('partitioning', () => {
  it('is FNV-1a and stable', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(partitionOf('node-1', 16)).toBe(partitionOf('node-1', 16));
  });

  it('spreads 10k node ids over 16 partitions within 15% of even', () => {
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 10_000; i++) counts[partitionOf(`node-${i}`, 16)]++;
    for (const c of counts) expect(Math.abs(c - 625)).toBeLessThan(625 * 0.15);
  });
});
