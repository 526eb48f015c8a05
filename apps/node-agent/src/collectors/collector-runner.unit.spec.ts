import pino from 'pino';
import type { Clock } from '../clock';
import type { Collector, ScheduledCollector } from './collector';
import { CollectorRunner, type CollectorRunReporter, ticksBetweenRuns } from './collector-runner';

const logger = pino({ level: 'silent' });

/** The last duration and success reported per collector. */
function recordingReporter(): CollectorRunReporter & {
  runs: Map<string, { durationSeconds: number; success: boolean }>;
} {
  const runs = new Map<string, { durationSeconds: number; success: boolean }>();
  return {
    runs,
    collectorRan: (collector, durationSeconds, success) => runs.set(collector, { durationSeconds, success }),
  };
}

function fakeClock(): Clock {
  let monotonic = 0;
  return { now: () => 1_700_000_000_000, monotonicMs: () => (monotonic += 250) };
}

const collector = (name: string, collect: Collector['collect'], intervalMs?: number): ScheduledCollector => ({
  collector: { name, collect },
  intervalMs,
});

describe('CollectorRunner', () => {
  it('reports duration and success per collector; a failing collector does not stop the others', async () => {
    const report = recordingReporter();
    const runner = new CollectorRunner(
      [
        collector('good', async () => [{ name: 'node_load1', labels: {}, value: 1 }]),
        collector('broken', async () => {
          throw new Error('boom');
        }),
      ],
      { clock: fakeClock(), logger, report, sampleMs: 1000, timeoutMs: 1000 },
    );
    expect(await runner.collect()).toEqual([{ name: 'node_load1', labels: {}, value: 1 }]);
    expect(report.runs.get('good')?.success).toBe(true);
    expect(report.runs.get('broken')?.success).toBe(false);
    expect([...report.runs.values()].every((r) => r.durationSeconds > 0)).toBe(true);
  });

  it('counts a collector that returns invalid samples or hangs as failed', async () => {
    const report = recordingReporter();
    const runner = new CollectorRunner(
      [
        collector('nan', async () => [{ name: 'node_load1', labels: {}, value: Number.NaN }]),
        collector('stuck', () => new Promise(() => undefined)),
      ],
      { clock: fakeClock(), logger, report, sampleMs: 1000, timeoutMs: 20 },
    );
    expect(await runner.collect()).toEqual([]);
    expect([...report.runs.values()].map((r) => r.success)).toEqual([false, false]);
  });

  it('runs a collector with its own interval on the first batch and every n-th after it, measured only then', async () => {
    const runs = { fast: 0, slow: 0 };
    const reported = { fast: 0, slow: 0 };
    const counting = (name: 'fast' | 'slow', intervalMs?: number) =>
      collector(
        name,
        async () => {
          runs[name]++;
          return [{ name: `node_${name}`, labels: {}, value: 1 }];
        },
        intervalMs,
      );
    const runner = new CollectorRunner([counting('fast'), counting('slow', 10_000)], {
      clock: fakeClock(),
      logger,
      report: { collectorRan: (name) => reported[name as 'fast' | 'slow']++ },
      sampleMs: 1000,
      timeoutMs: 1000,
    });
    const batches = [];
    for (let tick = 0; tick < 21; tick++) batches.push(await runner.collect());
    expect(runs).toEqual({ fast: 21, slow: 3 });
    const withSlow = batches.flatMap((samples, tick) => (samples.some((s) => s.name === 'node_slow') ? [tick] : []));
    expect(withSlow).toEqual([0, 10, 20]);
    expect(reported).toEqual(runs);
  });
});

describe('ticksBetweenRuns', () => {
  it('rounds an interval to whole sample ticks, never below one', () => {
    expect(ticksBetweenRuns(undefined, 1000)).toBe(1);
    expect(ticksBetweenRuns(10_000, 1000)).toBe(10);
    expect(ticksBetweenRuns(2_600, 1000)).toBe(3);
    expect(ticksBetweenRuns(200, 1000)).toBe(1);
  });
});
