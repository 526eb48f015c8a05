import * as z from 'zod';
import { Sample } from '@vigil/contracts';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import { FailureStreaks } from '../failure-streaks';
import type { Collector, ScheduledCollector } from './collector';

/** Told how every collector run went (the agent's self-metrics). */
export interface CollectorRunReporter {
  collectorRan(collector: string, durationSeconds: number, success: boolean): void;
}

export interface CollectorRunnerDeps {
  clock: Clock;
  logger: Logger;
  report: CollectorRunReporter;
  /** How often `collect()` is called: the unit collector intervals are counted in. */
  sampleMs: number;
  /** A collector still running after this long counts as failed for the tick. */
  timeoutMs: number;
}

export const Samples = z.array(Sample);

/**
 * How many sample ticks apart a collector runs: its interval rounded to whole ticks, at least
 * every tick (a collector cannot run more often than batches are sent).
 */
export function ticksBetweenRuns(intervalMs: number | undefined, sampleMs: number): number {
  return intervalMs === undefined ? 1 : Math.max(1, Math.round(intervalMs / sampleMs));
}

interface Schedule {
  collector: Collector;
  everyTicks: number;
}

/**
 * Runs the collectors due this tick concurrently and reports, per collector run, how long it
 * took and whether it succeeded. A collector that throws, times out or returns invalid samples
 * contributes no samples and is reported failed; the others are unaffected. Ticks are counted in calls: every
 * collector runs on the first, and one with `everyTicks` n on every n-th after it (a tick the
 * agent skipped because the previous was still busy is not counted).
 */
export class CollectorRunner {
  private readonly streaks = new FailureStreaks();
  private readonly schedules: readonly Schedule[];
  private tick = 0;

  constructor(
    collectors: readonly ScheduledCollector[],
    private readonly deps: CollectorRunnerDeps,
  ) {
    this.schedules = collectors.map(({ collector, intervalMs }) => ({
      collector,
      everyTicks: ticksBetweenRuns(intervalMs, deps.sampleMs),
    }));
  }

  async collect(): Promise<Sample[]> {
    const tick = this.tick++;
    const due = this.schedules.filter((s) => tick % s.everyTicks === 0);
    const perCollector = await Promise.all(due.map((s) => this.run(s.collector)));
    return perCollector.flat();
  }

  private async run(collector: Collector): Promise<Sample[]> {
    const started = this.deps.clock.monotonicMs();
    let samples: Sample[] = [];
    let success = true;
    try {
      samples = Samples.parse(await withTimeout(collector.collect(), this.deps.timeoutMs, collector.name));
      const streak = this.streaks.succeeded(collector.name);
      if (streak > 0) this.deps.logger.info({ collector: collector.name, failed_ticks: streak }, 'collector recovered');
    } catch (e) {
      success = false;
      if (this.streaks.failed(collector.name))
        this.deps.logger.warn({ collector: collector.name, err: e }, 'collector failed');
    }
    this.deps.report.collectorRan(collector.name, (this.deps.clock.monotonicMs() - started) / 1000, success);
    return samples;
  }
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
