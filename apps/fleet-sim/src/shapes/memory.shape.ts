import { fnv1a32 } from '@vigil/contracts';
import type { NodeProfile } from '../node-profile';
import { hash32, valueNoise } from '../prng';
import { diurnalFactor } from './time-of-day';

const NOISE = fnv1a32('memory.noise');

/**
 * node_memory_used_ratio: a base, a little more by day, and a garbage-collector sawtooth
 * (heap grows steadily, then drops at collection every `gcPeriodMs`). Stays below 0.85.
 */
export function memoryUsedRatio(profile: NodeProfile, timeMs: number): number {
  const { baseRatio, sawtoothRatio, gcPeriodMs } = profile.memory;
  const sawtooth = ((timeMs + (profile.key % gcPeriodMs)) % gcPeriodMs) / gcPeriodMs;
  const noise = 0.01 * valueNoise(hash32(profile.key, NOISE), timeMs, 30_000);
  return baseRatio + 0.08 * diurnalFactor(profile.timezoneOffsetHours, timeMs) + sawtoothRatio * sawtooth + noise;
}
