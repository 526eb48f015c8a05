import { AlertRule, type AlertRuleInput, type SampleBatch, type ThresholdRule } from '@vigil/contracts';
import { alertFingerprint } from './fingerprint';
import { MAX_WINDOW_SAMPLES, SeriesWindow } from './series-window';
import { ThresholdEvaluator, windowBudgetMetrics } from './threshold.evaluator';
import { Registry } from 'prom-client';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const rule = (over: Partial<AlertRuleInput>) =>
  AlertRule.parse({
    id: 'disk',
    name: 'DiskSpaceLow',
    kind: 'threshold',
    severity: 'warning',
    metric: 'node_filesystem_used_ratio',
    op: '>',
    value: 0.85,
    ...over,
  } as AlertRuleInput) as ThresholdRule;
const batch = (nodeId: string, timestamp: number, samples: SampleBatch['samples']): SampleBatch => ({
  nodeId,
  seq: 1,
  timestamp,
  intervalMs: 1000,
  samples,
});
const T = 1_764_000_000_000;

describe('ThresholdEvaluator', () => {
  it('observes each matching series of a rule’s metric, with the alert’s labels', () => {
    const e = new ThresholdEvaluator();
    e.setRules([rule({ matchers: [{ label: 'mount', op: '!~', value: '/boot.*' }], labels: { team: 'ops' } })]);
    const out = e.evaluate(
      batch('web-1', T, [
        { name: 'node_filesystem_used_ratio', labels: { mount: '/' }, value: 0.9 },
        { name: 'node_filesystem_used_ratio', labels: { mount: '/data' }, value: 0.5 },
        { name: 'node_filesystem_used_ratio', labels: { mount: '/boot/efi' }, value: 0.99 },
        { name: 'node_load1', labels: {}, value: 3 },
      ]),
    );
    const labels = { mount: '/', node: 'web-1', team: 'ops', alertname: 'DiskSpaceLow', severity: 'warning' };
    expect(out).toEqual([
      {
        ruleId: 'disk',
        fingerprint: alertFingerprint('disk', labels),
        labels,
        nodeId: 'web-1',
        at: T,
        holds: true,
        value: 0.9,
      },
      expect.objectContaining({ holds: false, value: 0.5, labels: expect.objectContaining({ mount: '/data' }) }),
    ]);
    expect(alertFingerprint('disk', labels)).toMatch(/^[0-9a-f]{16}$/);
    expect(alertFingerprint('disk', { ...labels })).toBe(
      alertFingerprint('disk', Object.fromEntries(Object.entries(labels).reverse())),
    );
  });

  it('compares the window aggregate when the rule has one, and leaves disabled rules out', () => {
    const e = new ThresholdEvaluator();
    e.setRules([
      rule({ id: 'cpu', metric: 'node_cpu_usage_percent', value: 90, window: { aggregate: 'avg', duration: '3s' } }),
      rule({ id: 'off', metric: 'node_cpu_usage_percent', value: 0, enabled: false }),
    ]);
    const cpu = (t: number, value: number) =>
      e.evaluate(batch('n1', T + t, [{ name: 'node_cpu_usage_percent', labels: {}, value }]));
    expect(cpu(0, 100).map((o) => [o.ruleId, o.value, o.holds])).toEqual([['cpu', 100, true]]);
    expect(cpu(1000, 70).map((o) => [o.value, o.holds])).toEqual([[85, false]]);
    expect(cpu(2000, 100).map((o) => [o.value, o.holds])).toEqual([[90, false]]);
    // The sample at T is out of the 3 s window now: (70 + 100 + 100) / 3.
    expect(cpu(3000, 100).map((o) => [o.value, o.holds])).toEqual([[90, false]]);
    expect(cpu(4000, 100).map((o) => [o.value, o.holds])).toEqual([[100, true]]);
    expect(e.watches('node_load1')).toBe(false);
  });

  it('holds a bounded number of windows: one million distinct label values, heap under 30 MB more, a steady series still right', () => {
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => (gc(), gc(), process.memoryUsage().heapUsed);
    const e = new ThresholdEvaluator(10_000);
    e.setRules([rule({ id: 'cpu', metric: 'cpu', value: 90, window: { aggregate: 'avg', duration: '1h' } })]);
    const before = heap();
    for (let i = 0; i < 1_000_000; i++) {
      // A hostile agent: every batch a new label value (and a steady one beside it).
      const samples = [{ name: 'cpu', labels: { core: `c${i}` }, value: 100 }];
      if (i % 100 === 0) samples.push({ name: 'cpu', labels: { core: 'steady' }, value: i % 200 === 0 ? 80 : 100 });
      e.evaluate(batch('n1', T + i, samples));
    }
    const grown = heap() - before;
    process.stderr.write(`threshold windows: ${e.windowCount} held, heap after GC +${(grown / 1e6).toFixed(1)} MB\n`);
    expect(e.windowCount).toBeLessThanOrEqual(10_000);
    expect(grown).toBeLessThan(30e6);
    // The steady series, fed every 100 batches, kept its window through the flood: 80 and 100 alternating.
    const [steady] = e.evaluate(batch('n1', T + 1_000_000, [{ name: 'cpu', labels: { core: 'steady' }, value: 90 }]));
    expect(steady.value).toBeCloseTo((5000 * 80 + 5000 * 100 + 90) / 10_001, 6);
  });
});

describe('ThresholdEvaluator sample budget', () => {
  it('counts the samples its windows hold, evicts those not fed lately past the budget, frees a changed rule’s', async () => {
    const registry = new Registry();
    const metrics = windowBudgetMetrics(registry);
    const e = new ThresholdEvaluator(100, undefined, { maxSamples: 10, metrics });
    const cpu = rule({ id: 'cpu', metric: 'cpu', value: 90, window: { aggregate: 'avg', duration: '1h' } });
    e.setRules([cpu]);
    const feed = (core: string, at: number, value = 50) =>
      e.evaluate(batch('n1', T + at, [{ name: 'cpu', labels: { core }, value }]))[0];
    for (let i = 0; i < 4; i++) feed('a', i);
    for (let i = 0; i < 4; i++) feed('b', 10 + i);
    for (let i = 0; i < 3; i++) feed('c', 20 + i);
    // 11 samples: the windows become the older generation, a (the first fed) goes.
    expect(e.sampleCount).toBe(7);
    expect(feed('b', 30, 100).value).toBe((4 * 50 + 100) / 5); // fed again: recent, and whole
    for (let i = 0; i < 3; i++) feed('d', 40 + i);
    // 11 again: c, not fed since, goes; b (fed) stays.
    expect(e.sampleCount).toBe(8);
    expect(feed('c', 50, 100).value).toBe(100); // c starts over
    expect(feed('b', 51, 100).value).toBe((4 * 50 + 2 * 100) / 6);
    expect((await metrics.evictions.get()).values[0].value).toBe(2);
    expect((await metrics.samples.get()).values[0].value).toBe(e.sampleCount);
    // A window larger than the budget alone is kept (its own bound is MAX_WINDOW_SAMPLES).
    for (let i = 0; i < 20; i++) feed('b', 60 + i);
    expect(e.windowCount).toBe(1);
    expect(e.sampleCount).toBe(26);
    // Windows of a changed rule start over, their samples freed.
    e.setRules([{ ...cpu, window: { aggregate: 'avg', duration: 60_000 } }]);
    expect(e.sampleCount).toBe(0);
  });
});

describe('SeriesWindow', () => {
  it('keeps the samples of the last duration, in time order even when they arrive out of order', () => {
    const w = new SeriesWindow(10_000);
    for (const [t, v] of [
      [0, 1],
      [5000, 5],
      [2500, 9],
      [12_000, 3],
    ])
      w.add(t, v);
    // The window is (12 s - 10 s, 12 s]: the sample at 0 fell out; 2.5 s, 5 s and 12 s remain.
    expect(w.size).toBe(3);
    expect([w.aggregate('avg'), w.aggregate('max'), w.aggregate('min')]).toEqual([17 / 3, 9, 3]);
  });

  it('holds at most MAX_WINDOW_SAMPLES in a window: a series sent a million times within its hour keeps the newest', () => {
    const w = new SeriesWindow(3_600_000);
    // A million samples a few ms apart (an agent's timestamps are its own): 0 then, at the end, 10s.
    for (let i = 0; i < 1_000_000; i++) w.add(T + i, i < 1_000_000 - MAX_WINDOW_SAMPLES ? 0 : 10);
    expect(w.size).toBe(MAX_WINDOW_SAMPLES);
    expect(w.aggregate('avg')).toBe(10);
    // A well-behaved series afterwards: the window slides by time as before.
    w.add(T + 3_600_000 + 1_000_000, 4);
    expect(w.size).toBe(1);
    expect(w.aggregate('max')).toBe(4);
  });
});
