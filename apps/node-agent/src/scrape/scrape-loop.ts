import type { Sample, ScrapeTarget } from '@vigil/contracts';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import { PeriodicTask } from '../schedule/periodic-task';
import { parseExposition } from './exposition-parser';
import { type SkipReason, toSamples } from './scraped-samples';

export interface ScrapeLoopDeps {
  fetchExposition: (target: ScrapeTarget) => Promise<string>;
  clock: Clock;
  /** Bound to the target. */
  logger: Logger;
}

export interface ScrapeStatus {
  job: string;
  /** Whether the latest scrape succeeded. */
  up: boolean;
  durationSeconds: number;
  skippedTotal: Readonly<Record<SkipReason, number>>;
}

/**
 * Scrapes one target every `intervalMs` and keeps the samples of the latest scrape until
 * they are taken, so each scrape is forwarded once, in the next sample batch.
 */
export class ScrapeLoop {
  private pending: Sample[] = [];
  private up = false;
  private durationSeconds = 0;
  private readonly skippedTotal: Record<SkipReason, number> = {
    malformed: 0,
    non_finite: 0,
    invalid: 0,
    over_limit: 0,
  };
  private failing = false;
  private readonly task: PeriodicTask;

  constructor(
    readonly target: ScrapeTarget,
    private readonly deps: ScrapeLoopDeps,
  ) {
    this.task = new PeriodicTask(`scrape ${target.name}`, target.intervalMs, () => this.scrape(), deps.logger);
  }

  start(): void {
    this.task.start();
  }

  /** Stops scraping, waiting for a scrape in progress. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** The samples of the latest scrape not taken yet, at most `limit`; the rest count as skipped. */
  takeSamples(limit: number): Sample[] {
    const taken = this.pending.length > limit ? this.pending.slice(0, limit) : this.pending;
    this.skippedTotal.over_limit += this.pending.length - taken.length;
    this.pending = [];
    return taken;
  }

  status(): ScrapeStatus {
    return {
      job: this.target.name,
      up: this.up,
      durationSeconds: this.durationSeconds,
      skippedTotal: this.skippedTotal,
    };
  }

  private async scrape(): Promise<void> {
    const { clock, logger } = this.deps;
    const started = clock.monotonicMs();
    try {
      const scraped = toSamples(parseExposition(await this.deps.fetchExposition(this.target)), this.target);
      this.pending = scraped.samples;
      for (const [reason, count] of Object.entries(scraped.skipped)) this.skippedTotal[reason as SkipReason] += count;
      this.up = true;
      if (this.failing) logger.info('scrape recovered');
      this.failing = false;
    } catch (e) {
      this.pending = [];
      this.up = false;
      if (!this.failing) logger.warn({ err: e, url: this.target.url }, 'scrape failed; retrying every interval');
      this.failing = true;
    } finally {
      this.durationSeconds = (clock.monotonicMs() - started) / 1000;
    }
  }
}
