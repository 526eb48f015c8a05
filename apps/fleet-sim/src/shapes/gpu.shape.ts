import { fnv1a32 } from '@vigil/contracts';
import type { NodeProfile } from '../node-profile';
import { hash32, unitHash, valueNoise } from '../prng';
import { clamp } from './time-of-day';

const JOB = fnv1a32('gpu.job');
const NOISE = fnv1a32('gpu.noise');
/** GPUs run jobs in 20-minute windows, busy in three windows out of four. */
const JOB_WINDOW_MS = 20 * 60_000;
const BUSY_CHANCE = 0.75;
/** The hot GPU node never drops below this. */
export const HOT_GPU_MIN_CELSIUS = 88;

function jobWindow(timeMs: number): number {
  return Math.floor(timeMs / JOB_WINDOW_MS);
}

function isBusy(profile: NodeProfile, gpu: number, timeMs: number): boolean {
  return unitHash(profile.key, JOB, gpu, jobWindow(timeMs)) < BUSY_CHANCE;
}

function noise(profile: NodeProfile, gpu: number, timeMs: number): number {
  return valueNoise(hash32(profile.key, NOISE, gpu), timeMs, 15_000);
}

/** node_gpu_utilization_percent{gpu}: 65–95 % while a job runs, 1–5 % between jobs. */
export function gpuUtilizationPercent(profile: NodeProfile, gpu: number, timeMs: number): number {
  const n = noise(profile, gpu, timeMs);
  return clamp(isBusy(profile, gpu, timeMs) ? 80 + 15 * n : 3 + 2 * n, 0, 100);
}

/** node_gpu_temperature_celsius{gpu}: follows utilization (below 80 °C); on the hot node always above 85 °C. */
export function gpuTemperatureCelsius(profile: NodeProfile, gpu: number, timeMs: number): number {
  const utilization = gpuUtilizationPercent(profile, gpu, timeMs);
  const n = noise(profile, gpu, timeMs + 7_000);
  return profile.hotGpu ? HOT_GPU_MIN_CELSIUS + 2 * Math.abs(n) + 0.03 * utilization : 34 + 0.45 * utilization + 2 * n;
}

/** node_gpu_memory_used_ratio{gpu}: what the running job allocated (0.6–0.9), nearly empty between jobs. */
export function gpuMemoryUsedRatio(profile: NodeProfile, gpu: number, timeMs: number): number {
  if (!isBusy(profile, gpu, timeMs)) return 0.02;
  return 0.6 + 0.3 * unitHash(profile.key, JOB, gpu, jobWindow(timeMs), 1);
}
