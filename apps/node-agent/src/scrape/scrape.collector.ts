import type { Sample } from '@vigil/contracts';
import type { Collector } from '../collectors/collector';
import type { ScrapeLoop } from './scrape-loop';
import { SKIP_REASONS } from './scraped-samples';

export const ScrapeMetric = {
  up: 'vigil_agent_scrape_up',
  durationSeconds: 'vigil_agent_scrape_duration_seconds',
  samplesSkippedTotal: 'vigil_agent_scrape_samples_skipped_total',
} as const;

/**
 * A sample batch holds at most 20 000 samples (SampleBatch); scraped series may use this
 * many of them, so that one huge target cannot make the whole batch invalid.
 */
export const SCRAPED_SAMPLES_PER_BATCH = 15_000;

/** Forwards each target's latest scrape once, and every tick how the targets are doing, labelled `job`. */
export class ScrapeCollector implements Collector {
  readonly name = 'scrape';

  constructor(
    private readonly scraper: { active(): ScrapeLoop[] },
    private readonly budget = SCRAPED_SAMPLES_PER_BATCH,
  ) {}

  async collect(): Promise<Sample[]> {
    const samples: Sample[] = [];
    let left = this.budget;
    for (const loop of this.scraper.active()) {
      const taken = loop.takeSamples(left);
      left -= taken.length;
      samples.push(...taken);
    }
    return [...samples, ...this.scraper.active().flatMap(statusSamples)];
  }
}

function statusSamples(loop: ScrapeLoop): Sample[] {
  const { job, up, durationSeconds, skippedTotal } = loop.status();
  return [
    { name: ScrapeMetric.up, labels: { job }, value: up ? 1 : 0 },
    { name: ScrapeMetric.durationSeconds, labels: { job }, value: durationSeconds },
    ...SKIP_REASONS.map((reason) => ({
      name: ScrapeMetric.samplesSkippedTotal,
      labels: { job, reason },
      value: skippedTotal[reason],
    })),
  ];
}
