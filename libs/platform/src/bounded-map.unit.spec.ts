import { Registry } from 'prom-client';
import { boundedMapMetrics, LruMap } from './bounded-map';
import { heapAfterGc } from '@vigil/test-support';

describe('LruMap', () => {
  it('evicts the least recently used entries past its bound, and counts them', async () => {
    const registry = new Registry();
    const metrics = boundedMapMetrics(registry);
    const m = new LruMap<string, number>(4, { name: 'test', ...metrics });
    m.set('a', 1).set('b', 2); // a generation of 2 is full: a, b become the older one
    m.set('c', 3);
    expect(m.get('a')).toBe(1); // read: a moves to the new generation, which is full again
    m.set('d', 4); // b, never read since, goes
    expect(m.has('b')).toBe(false);
    expect([...m.keys()].sort()).toEqual(['a', 'c', 'd']);
    m.set('d', 40); // an update is not an eviction
    expect(m.peek('d')).toBe(40);
    expect(m.evictions).toBe(1);
    expect(m.size).toBeLessThanOrEqual(4);
    const page = await registry.metrics();
    expect(page).toMatch(/vigil_bounded_map_evictions_total\{map="test"\} 1/);
    expect(page).toMatch(/vigil_bounded_map_entries\{map="test"\} 3/);
  });

  it('tells its owner of each entry evicted (by the bound or by shift), least recently used first', () => {
    const evicted: string[] = [];
    const m = new LruMap<string, number>(6, undefined, (k) => evicted.push(k));
    m.set('a', 1).set('b', 2).set('c', 3); // a generation of 3 is full: a, b, c become the older one
    m.get('a'); // a recent again
    expect(m.shift()).toEqual(['b', 2]);
    expect(m.shift()).toEqual(['c', 3]);
    expect(m.shift()).toEqual(['a', 1]); // the older generation is empty: the newer one's oldest
    m.set('x', 0);
    m.delete('x'); // a delete is not an eviction
    m.set('d', 4).set('e', 5).set('f', 6).set('g', 7).set('h', 8).set('i', 9); // d, e, f dropped with their generation
    expect(evicted).toEqual(['b', 'c', 'a', 'd', 'e', 'f']);
    expect(m.evictions).toBe(6);
    expect(m.shift()).toEqual(['g', 7]);
    expect(m.size).toBe(2);
  });

  it('holds one million distinct keys in a bounded heap (bound 10,000: under 5 MB after GC)', () => {
    const m = new LruMap<string, { key: null; revoked: boolean; loadedAt: number }>(10_000);
    const before = heapAfterGc();
    for (let i = 0; i < 1_000_000; i++)
      m.set(`node-${i}-${'x'.repeat(40)}`, { key: null, revoked: false, loadedAt: i });
    const grown = heapAfterGc() - before;
    process.stderr.write(
      `LruMap(10000) after 1e6 keys: ${m.size} held, heap after GC +${(grown / 1e6).toFixed(1)} MB\n`,
    );
    expect(m.size).toBeLessThanOrEqual(10_000);
    expect(m.evictions).toBeGreaterThanOrEqual(990_000);
    expect(grown).toBeLessThan(5e6);
  });
});
