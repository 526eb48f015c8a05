import { DeadLetters } from '@vigil/messaging';
import { createTestBus, type TestBus, heapAfterGc } from '@vigil/test-support';
import { createLogger } from '@vigil/telemetry';
import { z } from 'zod';
import { loadConfig } from './config';
import { Bus, Observability } from './infra';
import { SecurityViolations } from './security-violations';

jest.setTimeout(60_000);

/**
 * Issue 19, point 6: a flood of forged messages, each claiming another node id, is refused;
 * EVENTS gets a bounded number of `security.violation` events (and the service's memory stays
 * bounded), every refusal is still counted, and a refusal in the next window is recorded.
 */
describe('SecurityViolations under a flood of distinct claimed ids (real NATS)', () => {
  let testBus: TestBus;
  let bus: Bus;
  let obs: Observability;
  beforeAll(async () => {
    testBus = await createTestBus();
    obs = new Observability('test-svc', createLogger({ service: 'test-svc', level: 'silent' }));
    bus = new Bus(
      testBus.nc,
      testBus.js,
      testBus.jsm,
      testBus.topology,
      new DeadLetters(testBus.js, testBus.topology, 'test-svc', obs.dlq.messages),
    );
  });
  afterAll(() => testBus.close());

  const events = async () => (await testBus.jsm.streams.info(testBus.topology.streams.events)).state.messages;
  const counter = async (name: string, reason: string) =>
    (await obs.registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

  it('one million refusals of distinct ids: at most 100 events and one summary; heap stays under 40 MB more', async () => {
    const config = loadConfig('test-svc', 'TEST_PORT', 0, z.object({}), {});
    const WINDOW = 3_600_000;
    const violations = new SecurityViolations(bus, obs, config, { windowMs: WINDOW });
    const before = heapAfterGc();
    const started = Date.now();
    const N = 1_000_000;
    for (let i = 0; i < N; i++) {
      await violations.report(
        { subject: `forged.${i}`, seq: i },
        { reason: 'bad_signature', detail: `bad signature ${i}` },
        `forged-${i}`,
      );
    }
    const elapsed = Date.now() - started;
    const grown = heapAfterGc() - before;
    process.stderr.write(`1e6 refusals in ${elapsed} ms; heap after gc grew by ${(grown / 1e6).toFixed(1)} MB\n`);
    expect(grown).toBeLessThan(40e6);
    expect(await counter('vigil_security_violations_total', 'bad_signature')).toBe(N);
    expect(await counter('vigil_security_violations_suppressed_total', 'bad_signature')).toBe(N - 100);
    expect(await events()).toBe(100);

    // The window ends: one summary of the rest.
    await violations.flush(Date.now() + WINDOW);
    expect(await events()).toBe(101);
    const last = await testBus.jsm.streams.getMessage(testBus.topology.streams.events, {
      last_by_subj: testBus.topology.subjects.events('security', 'suppressed'),
    });
    const summary = last!.json<{ data: { suppressed: number; detail: string; claimedNodeId: string } }>();
    expect(summary.data.claimedNodeId).toBe('*');
    expect(summary.data.suppressed).toBe(N - 100);
    expect(summary.data.detail).toMatch(/^999900 refusals from 10000\+ sources in 3600 s not recorded one by one/);

    // A later refusal, in the next window, is recorded as it comes.
    await violations.report({ subject: 'x', seq: 1 }, { reason: 'replayed', detail: 'a copy' }, 'honest-1');
    expect(await events()).toBe(102);
    violations.onModuleDestroy();
  });

  it('one source repeating: one event per window and reason', async () => {
    const config = loadConfig('test-svc', 'TEST_PORT', 0, z.object({}), {});
    const violations = new SecurityViolations(bus, obs, config, { windowMs: 3_600_000 });
    const start = await events();
    for (let i = 0; i < 1000; i++)
      await violations.report({ subject: 's', seq: i }, { reason: 'stale', detail: 'old' }, 'same-node');
    await violations.report({ subject: 's', seq: 0 }, { reason: 'replayed', detail: 'copy' }, 'same-node');
    expect((await events()) - start).toBe(2);
    violations.onModuleDestroy();
  });
});
