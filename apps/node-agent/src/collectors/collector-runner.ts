import { Sample, z } from '@vigil/contracts';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import { FailureStreaks } from '../failure-streaks';
import type { Collector } from './collector';

export const CollectorMetric = {
  durationSeconds: 'vigil_agent_collector_duration_seconds',
  success: 'vigil_agent_collector_success',
} as const;

export interface CollectorRunnerDeps {
  clock: Clock;
  logger: Logger;
  /** A collector still running after this long counts as failed for the tick. */
  timeoutMs: number;
}

const Samples = z.array(Sample);

/**
 * Runs every collector concurrently and adds, per collector, how long it took and
 * whether it succeeded. A collector that throws, times out or returns invalid samples
 * contributes only `success 0`; the others are unaffected.
 */
export class CollectorRunner {
  private readonly streaks = new FailureStreaks();

  constructor(
    private readonly collectors: readonly Collector[],
    private readonly deps: CollectorRunnerDeps,
  ) {}

  async collect(): Promise<Sample[]> {
    const perCollector = await Promise.all(this.collectors.map((c) => this.run(c)));
    return perCollector.flat();
  }

  private async run(collector: Collector): Promise<Sample[]> {
    const started = this.deps.clock.monotonicMs();
    let samples: Sample[] = [];
    let success = 1;
    try {
      samples = Samples.parse(await withTimeout(collector.collect(), this.deps.timeoutMs, collector.name));
      const streak = this.streaks.succeeded(collector.name);
      if (streak > 0) this.deps.logger.info({ collector: collector.name, failed_ticks: streak }, 'collector recovered');
    } catch (e) {
      success = 0;
      if (this.streaks.failed(collector.name)) this.deps.logger.warn({ collector: collector.name, err: e }, 'collector failed');
    }
    const labels = { collector: collector.name };
    const durationSeconds = (this.deps.clock.monotonicMs() - started) / 1000;
    return [
      ...samples,
      { name: CollectorMetric.durationSeconds, labels, value: durationSeconds },
      { name: CollectorMetric.success, labels, value: success },
    ];
  }
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
