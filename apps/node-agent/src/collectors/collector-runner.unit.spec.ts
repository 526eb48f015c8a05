import pino from 'pino';
import type { Clock } from '../clock';
import type { Collector } from './collector';
import { CollectorRunner } from './collector-runner';

const logger = pino({ level: 'silent' });

function fakeClock(): Clock {
  let monotonic = 0;
  return { now: () => 1_700_000_000_000, monotonicMs: () => (monotonic += 250) };
}

const collector = (name: string, collect: Collector['collect']): Collector => ({ name, collect });

describe('CollectorRunner', () => {
  it('adds duration and success per collector; a failing collector does not stop the others', async () => {
    const runner = new CollectorRunner(
      [
        collector('good', async () => [{ name: 'node_load1', labels: {}, value: 1 }]),
        collector('broken', async () => {
          throw new Error('boom');
        }),
      ],
      { clock: fakeClock(), logger, timeoutMs: 1000 },
    );
    const samples = await runner.collect();
    expect(samples).toContainEqual({ name: 'node_load1', labels: {}, value: 1 });
    expect(samples).toContainEqual({ name: 'vigil_agent_collector_success', labels: { collector: 'good' }, value: 1 });
    expect(samples).toContainEqual({ name: 'vigil_agent_collector_success', labels: { collector: 'broken' }, value: 0 });
    const durations = samples.filter((s) => s.name === 'vigil_agent_collector_duration_seconds');
    expect(durations.map((s) => s.labels.collector).sort()).toEqual(['broken', 'good']);
    expect(durations.every((s) => s.value > 0)).toBe(true);
  });

  it('counts a collector that returns invalid samples or hangs as failed', async () => {
    const runner = new CollectorRunner(
      [
        collector('nan', async () => [{ name: 'node_load1', labels: {}, value: Number.NaN }]),
        collector('stuck', () => new Promise(() => undefined)),
      ],
      { clock: fakeClock(), logger, timeoutMs: 20 },
    );
    const samples = await runner.collect();
    expect(samples.filter((s) => s.name === 'node_load1')).toEqual([]);
    expect(samples.filter((s) => s.name === 'vigil_agent_collector_success').map((s) => s.value)).toEqual([0, 0]);
  });
});
