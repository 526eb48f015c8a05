import { type Labels, Sample, type ScrapeTarget } from '@vigil/contracts';
import type { Exposition } from './exposition-parser';

/** Why a scraped series was not forwarded. */
export type SkipReason = 'malformed' | 'non_finite' | 'invalid' | 'over_limit';
export const SKIP_REASONS: readonly SkipReason[] = ['malformed', 'non_finite', 'invalid', 'over_limit'];

export interface ScrapedSamples {
  samples: Sample[];
  skipped: Record<SkipReason, number>;
}

/**
 * The series of one scrape as the agent forwards them: their own labels plus `job` (the
 * target's name) and the target's labels. A scraped label that has one of those names is
 * kept as `exported_<name>`, as Prometheus does. Skipped and counted: malformed lines,
 * NaN and ±Inf (a Sample is finite), and series the Sample contract refuses (metric or
 * label name, label value length). Exposition timestamps are dropped: a batch has one.
 */
export function toSamples(exposition: Exposition, target: Pick<ScrapeTarget, 'name' | 'labels'>): ScrapedSamples {
  const targetLabels: Labels = { ...target.labels, job: target.name };
  const skipped: Record<SkipReason, number> = {
    malformed: exposition.malformed.length,
    non_finite: 0,
    invalid: 0,
    over_limit: 0,
  };
  const samples: Sample[] = [];
  for (const series of exposition.samples) {
    if (!Number.isFinite(series.value)) {
      skipped.non_finite++;
      continue;
    }
    const sample = Sample.safeParse({
      name: series.name,
      labels: withTargetLabels(series.labels, targetLabels),
      value: series.value,
    });
    if (sample.success) samples.push(sample.data);
    else skipped.invalid++;
  }
  return { samples, skipped };
}

function withTargetLabels(scraped: Record<string, string>, target: Labels): Record<string, string> {
  const labels = { ...scraped };
  for (const [name, value] of Object.entries(target)) {
    if (Object.hasOwn(labels, name)) {
      let exported = `exported_${name}`;
      while (Object.hasOwn(labels, exported)) exported = `exported_${exported}`;
      labels[exported] = labels[name];
    }
    labels[name] = value;
  }
  return labels;
}
