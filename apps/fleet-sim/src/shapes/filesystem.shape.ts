import { fnv1a32 } from '@vigil/contracts';
import type { NodeProfile } from '../node-profile';
import { hash32, valueNoise } from '../prng';
import { diurnalFactor } from './time-of-day';

const NOISE = fnv1a32('filesystem.noise');
/** How full a filling disk gets before it is "cleaned" back to its base ratio. */
export const FILLING_DISK_PEAK_RATIO = 0.99;

/** `/`: steady, drifting by a fraction of a percent. */
export function rootUsedRatio(profile: NodeProfile, timeMs: number): number {
  return profile.rootDisk.usedRatio + 0.002 * valueNoise(hash32(profile.key, NOISE), timeMs, 3_600_000);
}

/**
 * `/data`: on filling nodes it rises steadily from the base ratio toward 0.99 over
 * `periodMs`, then drops back (a cleanup job ran); elsewhere it breathes slightly with the day.
 */
export function dataUsedRatio(profile: NodeProfile, timeMs: number): number {
  const { baseRatio, fill } = profile.dataDisk;
  if (!fill) return baseRatio + 0.02 * diurnalFactor(profile.timezoneOffsetHours, timeMs);
  const progress = ((timeMs + fill.phaseMs) % fill.periodMs) / fill.periodMs;
  return baseRatio + (FILLING_DISK_PEAK_RATIO - baseRatio) * progress;
}
