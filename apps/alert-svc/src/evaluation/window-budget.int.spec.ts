import { type AlertEvent, alertEvents, AlertRule, type AlertRuleInput, type SampleBatch } from '@vigil/contracts';
import { EventStore } from '@vigil/event-store';
import { createLogger } from '@vigil/telemetry';
import { createTestBus, eventually, type TestBus, heapAfterGc } from '@vigil/test-support';
import { Registry } from 'prom-client';
import { AlertMachine, STALE_MS } from './alert-machine';
import { alertOf } from './condition';
import { type Observation, DEFAULT_MAX_WINDOWS, ThresholdEvaluator, windowBudgetMetrics } from './threshold.evaluator';

const MiB = 1024 * 1024;
/** Flooding series, each sent ROUNDS samples one after the other (round robin, 1 ms apart). */
const SERIES = 10_000;
const ROUNDS = 100;
const FLOOD = SERIES * ROUNDS;
/** VIGIL_ALERT_MAX_WINDOW_SAMPLES for this test (the flood sends ten times as many within its windows). */
const BUDGET = 100_000;
/** Heap growth after GC the windows may leave (without the budget, a million samples: +25.6 MB). */
const HEAP_CEILING_MB = 20;
/**
 * Heap growth over the flood's second half, once the budget is full: none is expected; without
 * the budget (1e9) the windows keep every sample, about half of the +25.6 MB in the second half.
 */
const SECOND_HALF_CEILING_MB = 8;
/** The well-behaved series is sent a sample every GOOD_EVERY flood samples (every second of its time). */
const GOOD_EVERY = 1000;

jest.setTimeout(120_000);
const WAIT = { timeoutMs: 30_000 };

const rule = (input: Record<string, unknown>) =>
  AlertRule.parse({ severity: 'warning', kind: 'threshold', op: '>', ...input } as AlertRuleInput) as AlertRule;
const floodRule = rule({
  id: 'flood-avg',
  name: 'FloodAvg',
  metric: 'm',
  value: 1e12,
  window: { aggregate: 'avg', duration: '1h' },
});
const goodRule = rule({
  id: 'good-avg',
  name: 'GoodHot',
  metric: 'good_temp',
  value: 90,
  window: { aggregate: 'avg', duration: '1m' },
});

/**
 * Many series at a high rate through the real ThresholdEvaluator (windows over an hour, so none
 * trims itself by time) and the real alert machine writing to NATS: all windows together hold
 * at most the sample budget, the least recently fed evicted and counted, the heap stays under a
 * ceiling, and a series sent at its interval keeps its whole window (its average is exact) and
 * its alert fires and resolves.
 */
describe('threshold windows under a shared sample budget (real evaluator, real NATS)', () => {
  let testBus: TestBus;
  let machine: AlertMachine;

  beforeAll(async () => {
    testBus = await createTestBus();
  });
  afterAll(async () => {
    await machine?.stop();
    await testBus.close();
  });

  it('holds at most the budget, evicts the least recently fed windows, and keeps a well-behaved series right', async () => {
    const registry = new Registry();
    const logger = createLogger({ service: 'alert-svc', level: 'silent' });
    const store = new EventStore<AlertEvent>(testBus.js, testBus.jsm, testBus.topology, 'alert', alertEvents);
    machine = new AlertMachine({ store, logger });
    machine.start();
    const metrics = windowBudgetMetrics(registry);
    const threshold = new ThresholdEvaluator(DEFAULT_MAX_WINDOWS, undefined, { maxSamples: BUDGET, metrics });
    threshold.setRules([floodRule, goodRule].filter((r) => r.kind === 'threshold'));
    const good: Observation[] = [];
    let mostHeld = 0;
    const see = (b: SampleBatch) => {
      for (const o of threshold.evaluate(b)) {
        if (o.ruleId === goodRule.id) good.push(o);
        void machine.observe(o, { forMs: 0, keepFiringForMs: 0, staleMs: STALE_MS }, o.at, o.holds, o.value, {});
      }
      mostHeld = Math.max(mostHeld, threshold.sampleCount);
    };
    const batch = (nodeId: string, at: number, name: string, labels: Record<string, string>, value: number) =>
      see({ nodeId, seq: 1, timestamp: at, intervalMs: 1000, samples: [{ name, labels, value }] });

    const t0 = Date.now() - FLOOD;
    await machine.idle();
    const before = heapAfterGc();
    const started = performance.now();
    const flood = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const series = i % SERIES;
        batch(`n${series}`, t0 + i, 'm', { id: String(series) }, 1);
        // The good series: 95 for the first half (its alert fires), 50 after (it resolves).
        if (i % GOOD_EVERY === 0) batch('good', t0 + i, 'good_temp', {}, i < FLOOD / 2 ? 95 : 50);
      }
    };
    // The budget is full early in the first half: over the second the heap must not grow. Heap
    // readings once the alert machine's transitions have run (not what is in flight).
    flood(0, FLOOD / 2);
    await machine.idle();
    const half = heapAfterGc();
    flood(FLOOD / 2, FLOOD);
    const floodMs = performance.now() - started;
    await machine.idle();
    const after = heapAfterGc();
    const grown = after - before;
    const secondHalf = after - half;
    const evicted = (await metrics.evictions.get()).values[0].value;
    process.stdout.write(
      `threshold windows after ${FLOOD} samples of ${SERIES} series in ${Math.round(floodMs)} ms: ` +
        `${threshold.windowCount} windows, ${threshold.sampleCount} samples (at most ${mostHeld}), ` +
        `${evicted} evicted, heap after GC +${(grown / MiB).toFixed(1)} MB (second half: ${(secondHalf / MiB).toFixed(1)} MB)\n`,
    );
    expect(mostHeld).toBeLessThanOrEqual(BUDGET);
    expect((await metrics.samples.get()).values[0].value).toBe(threshold.sampleCount);
    expect(evicted).toBeGreaterThan(0);
    expect(grown).toBeLessThan(HEAP_CEILING_MB * MiB);
    expect(secondHalf).toBeLessThan(SECOND_HALF_CEILING_MB * MiB);

    // The good window was never evicted: the first average under 90 is over its whole minute
    // (53 samples of 95 and 7 of 50), not over the samples since an eviction.
    const cleared = good.find((o) => !o.holds);
    expect(good[0].holds).toBe(true);
    expect(cleared?.value).toBeCloseTo((53 * 95 + 7 * 50) / 60, 9);

    const fingerprint = alertOf(goodRule, { node: 'good' }).fingerprint;
    const types = async () => (await store.read(fingerprint)).events.map((e) => e.type);
    await eventually(async () => {
      expect(await types()).toEqual(['alert.firing', 'alert.resolved']);
      return true;
    }, WAIT);
  });
});
