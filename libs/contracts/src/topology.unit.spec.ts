import { fnv1a32, partitionOf } from './partition';
import { createTopology } from './topology';

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
  });

  it('refuses ids that would break subject matching', () => {
    const t = createTopology();
    for (const bad of ['a.b', '*', '>', '', 'a b'])
      expect(() => t.subjects.heartbeat(bad)).toThrow(/not a valid subject token/);
  });
});

describe('topology.parse', () => {
  for (const prefix of ['', 't1a2']) {
    const t = createTopology(prefix);
    describe(prefix ? `with the prefix ${prefix}` : 'without a prefix', () => {
      it('takes the partition and node out of a samples subject', () => {
        expect(t.parse.samples(t.subjects.samples(3, 'n-9'))).toEqual({ partition: 3, nodeId: 'n-9' });
        expect(t.parse.samples(t.subjects.samples(0, 'web_1'))).toEqual({ partition: 0, nodeId: 'web_1' });
        expect(t.parse.telemetry(t.subjects.samples(15, 'n1'))).toEqual({
          kind: 'samples',
          partition: 15,
          nodeId: 'n1',
        });
      });

      it('takes the kind and node out of every subject a node publishes on', () => {
        expect(t.parse.telemetry(t.subjects.heartbeat('n-9'))).toEqual({ kind: 'heartbeat', nodeId: 'n-9' });
        expect(t.parse.telemetry(t.subjects.inventory('n-9'))).toEqual({ kind: 'inventory', nodeId: 'n-9' });
        expect(t.parse.telemetry(t.subjects.agentEvents('n-9'))).toEqual({ kind: 'agent-events', nodeId: 'n-9' });
        expect(t.parse.samples(t.subjects.heartbeat('n-9'))).toBeUndefined();
      });

      it('answers undefined for a subject of another shape', () => {
        for (const subject of [
          t.subjects.events('node', 'n1'),
          t.subjects.dlq('registry-svc'),
          t.subjects.allHeartbeats(),
          t.subjects.allSamples(),
          t.subjects.samplesOfPartition(2),
          `${t.subjects.heartbeat('n1')}.extra`,
          t.subjects.heartbeat('n1').replace('heartbeat', 'heartbeats'),
          t.subjects.samples(2, 'n1').replace('.2.', '.x.'),
          t.subjects.samples(2, 'n1').replace('.2.', '.02.'),
          t.subjects.samples(2, 'n1').replace('.2.', '.-2.'),
          '',
        ]) {
          expect(t.parse.telemetry(subject)).toBeUndefined();
          expect(t.parse.samples(subject)).toBeUndefined();
        }
      });

      it('names a pattern as production does, for metric labels', () => {
        expect(t.unprefixed(t.subjects.allHeartbeats())).toBe('telemetry.heartbeat.*');
        expect(t.unprefixed(t.subjects.allAgentEvents())).toBe('telemetry.agent-events.*');
      });
    });
  }

  it('answers undefined for a subject of another prefix', () => {
    const plain = createTopology();
    const prefixed = createTopology('t1a2');
    expect(prefixed.parse.telemetry(plain.subjects.heartbeat('n1'))).toBeUndefined();
    expect(prefixed.parse.samples(plain.subjects.samples(1, 'n1'))).toBeUndefined();
    expect(prefixed.parse.samples(createTopology('t1a3').subjects.samples(1, 'n1'))).toBeUndefined();
    expect(plain.parse.telemetry(prefixed.subjects.heartbeat('n1'))).toBeUndefined();
    expect(() => prefixed.unprefixed(plain.subjects.allHeartbeats())).toThrow(/not under the prefix "t1a2"/);
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
