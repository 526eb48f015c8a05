import fc from 'fast-check';
import { LIVE_LIMITS, LiveClientFrame, readLiveClientFrame } from './live.schema';

describe('readLiveClientFrame', () => {
  it('takes every frame of the contract', () => {
    for (const frame of [
      { op: 'subscribe', id: 'f1', topic: 'fleet' },
      { op: 'subscribe', id: 'a:1', topic: 'alerts', since: '42' },
      { op: 'subscribe', id: 's', topic: 'samples', nodes: ['web-1'], metrics: ['node_load1'] },
      { op: 'unsubscribe', id: 'f1' },
      { op: 'ping', t: 5 },
      { op: 'ping' },
    ])
      expect(readLiveClientFrame(frame)).toEqual({ frame });
  });

  it('names the field that is wrong', () => {
    const field = (value: unknown) => {
      const read = readLiveClientFrame(value);
      return 'problem' in read ? read.problem.field : 'accepted';
    };
    expect(field({ op: 'subscribe', id: 'x', topic: 'weather' })).toBe('topic');
    expect(field({ op: 'subscribe', id: 'x y', topic: 'fleet' })).toBe('id');
    expect(field({ op: 'subscribe', id: 'x', topic: 'fleet', since: 'yesterday' })).toBe('since');
    expect(field({ op: 'subscribe', id: 'x', topic: 'samples', nodes: ['ok', 'not ok'] })).toBe('nodes.1');
    const tooMany = Array.from({ length: LIVE_LIMITS.sample_nodes + 1 }, (_, i) => `n${i}`);
    expect(field({ op: 'subscribe', id: 'x', topic: 'samples', nodes: tooMany })).toBe('nodes');
    expect(field({ op: 'subscribe', id: 'x', topic: 'samples', nodes: ['n'], metrics: ['1bad'] })).toBe('metrics.0');
    expect(field({ op: 'dance' })).toBe('op');
    expect(field({})).toBe('op');
    expect(field([])).toBeUndefined();
    expect(field('ping')).toBeUndefined();
  });

  it('answers every value with a frame the union accepts or a problem, never a throw (fixed seed)', () => {
    const frameLike = fc.record(
      {
        op: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'ping'), fc.string(), fc.anything()),
        id: fc.oneof(fc.string({ maxLength: 80 }), fc.anything()),
        topic: fc.oneof(fc.constantFrom('fleet', 'samples', 'alerts', 'audit'), fc.anything()),
        since: fc.oneof(fc.bigInt({ min: 0n }).map(String), fc.anything()),
        nodes: fc.oneof(fc.array(fc.string({ maxLength: 20 }), { maxLength: 60 }), fc.anything()),
        metrics: fc.oneof(fc.array(fc.string({ maxLength: 20 })), fc.anything()),
        t: fc.oneof(fc.double(), fc.anything()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(frameLike, fc.anything()), (value) => {
        const read = readLiveClientFrame(value);
        if ('frame' in read) expect(LiveClientFrame.safeParse(read.frame).success).toBe(true);
        else expect(typeof read.problem.message).toBe('string');
      }),
      { seed: 4008, numRuns: 500 },
    );
  });
});
