import { type AlertEvent, alertEvents } from '@vigil/contracts';
import { EventStore } from '@vigil/event-store';
import { createLogger } from '@vigil/telemetry';
import { createTestBus, eventually, type TestBus } from '@vigil/test-support';
import { AlertMachine } from './alert-machine';

jest.setTimeout(30_000);

/**
 * The one timer of the alert machine (real NATS): pending alerts fire when their own `for` runs
 * out, the earliest first, whatever order they were observed in, and a cleared alert resolves
 * when its keep_firing_for runs out; one step re-reads one alert's deadline, not all of them.
 */
describe('AlertMachine deadlines (real NATS)', () => {
  let testBus: TestBus;
  let machine: AlertMachine;

  beforeAll(async () => {
    testBus = await createTestBus();
  });
  afterAll(async () => {
    await machine?.stop();
    await testBus.close();
  });

  it('fires each pending alert at its own deadline and resolves one after keep_firing_for', async () => {
    const store = new EventStore<AlertEvent>(testBus.js, testBus.jsm, testBus.topology, 'alert', alertEvents);
    machine = new AlertMachine({ store, logger: createLogger({ service: 'alert-svc', level: 'silent' }) });
    machine.start();
    const id = (name: string) => ({ ruleId: 'r', fingerprint: name.padEnd(16, '0'), labels: { name } });
    const firedAt = async (name: string) => {
      const { events } = await store.read(id(name).fingerprint);
      const firing = events.find((e) => e.type === 'alert.firing');
      return firing?.type === 'alert.firing' ? Date.parse(firing.data.firedAt) : undefined;
    };
    const t0 = Date.now();
    // Observed slow first: the timer set for it must move earlier for the quick ones.
    await machine.observe(id('a'), { forMs: 1500, keepFiringForMs: 0 }, t0, true, 1, {});
    await machine.observe(id('b'), { forMs: 300, keepFiringForMs: 400 }, t0, true, 1, {});
    await machine.observe(id('c'), { forMs: 800, keepFiringForMs: 0 }, t0, true, 1, {});
    expect(['a', 'b', 'c'].map((n) => machine.statusOf(id(n).fingerprint))).toEqual(['pending', 'pending', 'pending']);

    await eventually(() => machine.statusOf(id('b').fingerprint) === 'firing', { timeoutMs: 5000 });
    expect(machine.statusOf(id('c').fingerprint)).toBe('pending');
    const cleared = Date.now();
    await machine.observe(id('b'), { forMs: 300, keepFiringForMs: 400 }, cleared, false, 0, {});
    await eventually(async () => (await firedAt('a')) !== undefined && (await firedAt('c')) !== undefined, {
      timeoutMs: 5000,
    });
    // Each at its own deadline (a timer left at a's would fire b and c at 1500 ms or later).
    const late = async (name: string, forMs: number) => ((await firedAt(name)) ?? NaN) - t0 - forMs;
    for (const [name, forMs] of [
      ['b', 300],
      ['c', 800],
      ['a', 1500],
    ] as const) {
      expect(await late(name, forMs)).toBeGreaterThanOrEqual(0);
      expect(await late(name, forMs)).toBeLessThan(600);
    }
    await eventually(() => machine.statusOf(id('b').fingerprint) === undefined, { timeoutMs: 5000 });
    const { events } = await store.read(id('b').fingerprint);
    expect(events.map((e) => e.type)).toEqual(['alert.pending', 'alert.firing', 'alert.resolved']);
    const resolved = events[2];
    const keptFor = resolved.type === 'alert.resolved' ? Date.parse(resolved.data.resolvedAt) - cleared : NaN;
    expect(keptFor).toBeGreaterThanOrEqual(400);
    expect(keptFor).toBeLessThan(1000);
  });
});
