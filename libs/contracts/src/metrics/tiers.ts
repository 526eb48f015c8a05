/**
 * The rollup tiers metrics-svc keeps. Buckets are aligned to the Unix epoch (UTC), so a
 * 10 s bucket always lies inside one 1 min bucket, which lies inside one 1 h bucket.
 */
export const TIERS = ['10s', '1m', '1h'] as const;
export type Tier = (typeof TIERS)[number];

export const TIER_MS: Record<Tier, number> = { '10s': 10_000, '1m': 60_000, '1h': 3_600_000 };

/** Start (Unix ms) of the bucket of `tier` holding `timeMs`. */
export function bucketStart(tier: Tier, timeMs: number): number {
  const size = TIER_MS[tier];
  return Math.floor(timeMs / size) * size;
}

/** The finest tier whose bucket fits in `stepMs` (a step below 10 s still reads the 10 s tier). */
export function tierForStep(stepMs: number): Tier {
  if (stepMs >= TIER_MS['1h']) return '1h';
  if (stepMs >= TIER_MS['1m']) return '1m';
  return '10s';
}

/**
 * Canonical identity of a label set: its entries sorted by name, as JSON. Two samples
 * with the same labels in another order are the same series.
 */
export function labelsKey(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '{}';
  names.sort();
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    if (i) out += ',';
    out += JSON.stringify(names[i]) + ':' + JSON.stringify(labels[names[i]]);
  }
  return out + '}';
}
