import { fnv1a32 } from '@vigil/contracts';
import type { NodeProfile } from '../node-profile';
import { hash32, unitHash, valueNoise } from '../prng';
import { clamp, diurnalFactor } from './time-of-day';

const NOISE = fnv1a32('cpu.noise');
const SPIKE = fnv1a32('cpu.spike');
const SPIKE_WINDOW_MS = 15 * 60_000;
/** Share of 15-minute windows with a spike: about one every four hours per node. */
const SPIKE_CHANCE = 0.06;

/** Extra CPU of an occasional spike: 30–60 points for 1–4 minutes somewhere in a spiking window. */
export function cpuSpikePercent(profile: NodeProfile, timeMs: number): number {
  const window = Math.floor(timeMs / SPIKE_WINDOW_MS);
  if (unitHash(profile.key, SPIKE, window, 0) >= SPIKE_CHANCE) return 0;
  const durationMs = 60_000 + 180_000 * unitHash(profile.key, SPIKE, window, 1);
  const startMs = (SPIKE_WINDOW_MS - durationMs) * unitHash(profile.key, SPIKE, window, 2);
  const offsetMs = timeMs - window * SPIKE_WINDOW_MS;
  const inSpike = offsetMs >= startMs && offsetMs < startMs + durationMs;
  return inSpike ? 30 + 30 * unitHash(profile.key, SPIKE, window, 3) : 0;
}

/** node_cpu_usage_percent: baseline + daily curve in the node's timezone + noise + spikes, within [0.5, 100]. */
export function cpuUsagePercent(profile: NodeProfile, timeMs: number): number {
  const { baselinePercent, diurnalAmplitudePercent } = profile.cpu;
  const noise = 4 * valueNoise(hash32(profile.key, NOISE), timeMs, 10_000);
  const value =
    baselinePercent +
    diurnalAmplitudePercent * diurnalFactor(profile.timezoneOffsetHours, timeMs) +
    noise +
    cpuSpikePercent(profile, timeMs);
  return clamp(value, 0.5, 100);
}

function averageCpuPercent(profile: NodeProfile, timeMs: number, minutes: number): number {
  let sum = 0;
  for (let m = 0; m < minutes; m++) sum += cpuUsagePercent(profile, timeMs - m * 60_000);
  return sum / minutes;
}

/** node_load1/5/15 follow CPU use: busy cores, averaged over the last 1, 5 and 15 minutes. */
export function loadAverages(profile: NodeProfile, timeMs: number): { load1: number; load5: number; load15: number } {
  const load = (minutes: number) => (profile.cores * averageCpuPercent(profile, timeMs, minutes)) / 100;
  return { load1: load(1), load5: load(5), load15: load(15) };
}
