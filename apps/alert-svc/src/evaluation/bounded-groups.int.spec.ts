import { type AlertEvent, alertEvents, AlertRule, type AlertRuleInput, type SampleBatch } from '@vigil/contracts';
import { EventStore } from '@vigil/event-store';
import { createLogger } from '@vigil/telemetry';
import { createTestBus, eventually, type TestBus, heapAfterGc } from '@vigil/test-support';
import { type Counter, Registry } from 'prom-client';
import { AbsentEvaluator } from './absent.evaluator';
import { AlertMachine, STALE_MS } from './alert-machine';
import { alertOf, type Condition } from './condition';
import { reportedGroupLimit } from './group-limit';
import { ThresholdEvaluator } from './threshold.evaluator';

const MiB = 1024 * 1024;
const FLOOD = 1_000_000;
/** VIGIL_ALERT_MAX_GROUPS_PER_RULE for this test. */
const MAX_PER_RULE = 1000;
/**
 * What the evaluators may hold after a million distinct label values: heap growth after GC over
 * the whole flood (+2.4 to +8.5 MB measured alone), and over its second half, once every limit
 * is reached (a holder that kept each value would grow by hundreds of MB there).
 */
const HEAP_CEILING_MB = 32;
const SECOND_HALF_CEILING_MB = 8;

jest.setTimeout(120_000);
const WAIT = { timeoutMs: 30_000 };

const rule = (input: Record<string, unknown>) =>
  AlertRule.parse({ severity: 'warning', ...input } as AlertRuleInput) as AlertRule;
const floodAbsent = rule({
  id: 'flood-absent',
  name: 'FloodAbsent',
  kind: 'absent',
  metric: 'm',
  by: ['node', 'id'],
  for: '1s',
});
const floodThreshold = rule({
  id: 'flood-threshold',
  name: 'FloodHigh',
  kind: 'threshold',
  metric: 'm',
  op: '>',
  value: 0,
});
const goodAbsent = rule({
  id: 'good-absent',
  name: 'GoodDown',
  kind: 'absent',
  metric: 'good_up',
  by: ['node'],
  for: '1s',
});
const goodThreshold = rule({
  id: 'good-hot',
  name: 'GoodHot',
  kind: 'threshold',
  metric: 'good_temp',
  op: '>',
  value: 90,
});

const batch = (nodeId: string, name: string, labels: Record<string, string>, value = 1): SampleBatch => ({
  nodeId,
  seq: 1,
  timestamp: Date.now(),
  intervalMs: 1000,
  samples: [{ name, labels, value }],
});

/**
 * A million distinct node ids and label values through the real evaluators (absent's silence
 * groups, threshold's windows) and the real alert machine writing to NATS, as AlertEvaluation
 * wires them: each rule holds VIGIL_ALERT_MAX_GROUPS_PER_RULE groups and alerts at most, the
 * rest are refused and counted, the heap stays under a ceiling, and well-behaved groups (of
 * another rule, and one of the flooded rule held before the flood) still fire and resolve.
 */
describe('alert groups under a million distinct label values (real evaluators, real NATS)', () => {
  let testBus: TestBus;
  let machine: AlertMachine;
  let absent: AbsentEvaluator;
  let store: EventStore<AlertEvent>;

  beforeAll(async () => {
    testBus = await createTestBus();
  });
  afterAll(async () => {
    absent?.stop();
    await machine?.stop();
    await testBus.close();
  });

  it('holds at most the limit per rule, counts what it refused, and still fires and resolves good groups', async () => {
    const registry = new Registry();
    const logger = createLogger({ service: 'alert-svc', level: 'silent' });
    const limit = reportedGroupLimit(MAX_PER_RULE, registry, logger);
    store = new EventStore(testBus.js, testBus.jsm, testBus.topology, 'alert', alertEvents);
    machine = new AlertMachine({ store, logger, limit });
    machine.start();
    const rules = new Map([floodAbsent, floodThreshold, goodAbsent, goodThreshold].map((r) => [r.id, r]));
    const observe = (
      ruleId: string,
      fingerprint: string,
      labels: Record<string, string>,
      at: number,
      holds: boolean,
      value: number | null,
    ) =>
      void machine.observe(
        { ruleId, fingerprint, labels },
        { forMs: 0, keepFiringForMs: 0, ...(rules.get(ruleId)?.kind === 'threshold' ? { staleMs: STALE_MS } : {}) },
        at,
        holds,
        value,
        {},
      );
    absent = new AbsentEvaluator(
      (c: Condition) => observe(c.ruleId, c.fingerprint, c.labels, c.at, c.holds, c.value),
      Date.now,
      limit,
    );
    absent.setRules([floodAbsent, goodAbsent].filter((r) => r.kind === 'absent'));
    const threshold = new ThresholdEvaluator(MAX_PER_RULE);
    threshold.setRules([floodThreshold, goodThreshold].filter((r) => r.kind === 'threshold'));
    const see = (b: SampleBatch) => {
      absent.see(b, Date.now());
      for (const o of threshold.evaluate(b)) observe(o.ruleId, o.fingerprint, o.labels, o.at, o.holds, o.value);
    };
    absent.goLive();
    see(batch('good', 'good_up', {}));
    see(batch('good', 'm', { id: 'good' }));

    await machine.idle();
    const before = heapAfterGc();
    const started = performance.now();
    // Two halves: the limits are reached early in the first, so a bounded holder does not grow
    // over the second at all, while an unbounded one grows with every value (hundreds of MB).
    // Heap readings are taken once the held alerts' events are appended (what is held, not what
    // is in flight: a loaded full run measured +27 and +52 MB of transitions still pending).
    for (let i = 0; i < FLOOD / 2; i++) see(batch(`n${i}`, 'm', { id: String(i) }));
    await machine.idle();
    const half = heapAfterGc();
    for (let i = FLOOD / 2; i < FLOOD; i++) see(batch(`n${i}`, 'm', { id: String(i) }));
    const floodMs = performance.now() - started;
    see(batch('good', 'good_up', {}));
    see(batch('good', 'm', { id: 'good' }));
    await machine.idle();
    const after = heapAfterGc();
    const grown = after - before;
    const secondHalf = after - half;
    process.stdout.write(
      `alert groups after ${FLOOD} distinct label values in ${Math.round(floodMs)} ms: ${absent.groups} silence groups, ` +
        `${machine.activeCount()} alerts, heap after GC +${(grown / MiB).toFixed(1)} MB ` +
        `(second half of the flood: ${(secondHalf / MiB).toFixed(1)} MB)\n`,
    );
    expect(secondHalf).toBeLessThan(SECOND_HALF_CEILING_MB * MiB);
    expect(grown).toBeLessThan(HEAP_CEILING_MB * MiB);
    expect(absent.groups).toBe(MAX_PER_RULE + 1);
    const refused = async (ruleId: string, holder: string) =>
      (await (registry.getSingleMetric('vigil_alert_groups_limited_total') as Counter).get()).values.find(
        (v) => v.labels.rule === ruleId && v.labels.holder === holder,
      )?.value;
    // The flooded absent rule held the group seen before the flood and 999 of the flood's.
    expect(await refused('flood-absent', 'silence_groups')).toBe(FLOOD - (MAX_PER_RULE - 1));
    expect(await refused('flood-threshold', 'alerts')).toBe(FLOOD - MAX_PER_RULE + 1);

    // The flood's held groups go silent and fire, as does the good absent group once it stops.
    const goodDown = alertOf(goodAbsent, { node: 'good' }).fingerprint;
    const goodOfFlood = alertOf(floodAbsent, { node: 'good', id: 'good' }).fingerprint;
    const lastEvent = async (fingerprint: string) => (await store.read(fingerprint)).events.at(-1)?.type;
    await eventually(async () => {
      expect(machine.statusOf(goodDown)).toBe('firing');
      expect(await lastEvent(goodDown)).toBe('alert.firing');
      expect(await lastEvent(goodOfFlood)).toBe('alert.firing');
      return true;
    }, WAIT);
    see(batch('good', 'good_up', {}));
    see(batch('good', 'm', { id: 'good' }));
    await eventually(async () => {
      expect(machine.statusOf(goodDown)).toBeUndefined();
      expect(await lastEvent(goodDown)).toBe('alert.resolved');
      expect(await lastEvent(goodOfFlood)).toBe('alert.resolved');
      return true;
    }, WAIT);

    // A threshold rule beside the flooded one fires and resolves.
    const goodHot = alertOf(goodThreshold, { node: 'good' }).fingerprint;
    see(batch('good', 'good_temp', {}, 95));
    await eventually(async () => (await lastEvent(goodHot)) === 'alert.firing', WAIT);
    see(batch('good', 'good_temp', {}, 50));
    await eventually(async () => (await lastEvent(goodHot)) === 'alert.resolved', WAIT);
    // Nothing held past the limit: the flooded rules' alerts at most MAX_PER_RULE each.
    expect(machine.activeCount()).toBeLessThanOrEqual(2 * MAX_PER_RULE);
  });
});
