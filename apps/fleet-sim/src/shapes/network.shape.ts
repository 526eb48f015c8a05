import { fnv1a32 } from '@vigil/contracts';
import type { NodeProfile } from '../node-profile';
import { unitHash } from '../prng';
import { DAY_MS } from './time-of-day';

export type Direction = 'receive' | 'transmit';

const WAVE = fnv1a32('network.wave');
/** Shares of the mean rate that swing with the day and with a ~10-minute wave; their sum stays below 1, so the rate never reaches 0. */
const DIURNAL_SHARE = 0.5;
const WAVE_SHARE = 0.3;
const DIURNAL_OMEGA = (2 * Math.PI) / DAY_MS;

interface RateCurve {
  meanBytesPerSecond: number;
  diurnalPhase: number;
  waveOmega: number;
  wavePhase: number;
}

function curveOf(profile: NodeProfile, direction: Direction): RateCurve {
  const d = direction === 'receive' ? 0 : 1;
  const { receiveBytesPerSecond, transmitFactor } = profile.network;
  return {
    meanBytesPerSecond: receiveBytesPerSecond * (d === 0 ? 1 : transmitFactor),
    // Peak at 14:00 local time.
    diurnalPhase: (2 * Math.PI * (profile.timezoneOffsetHours - 8)) / 24,
    waveOmega: (2 * Math.PI) / (600_000 * (0.7 + 0.6 * unitHash(profile.key, WAVE, d, 0))),
    wavePhase: 2 * Math.PI * unitHash(profile.key, WAVE, d, 1),
  };
}

/** node_network_*_bytes_per_second at `timeMs`: a mean, a daily swing in local time and a faster wave. */
export function networkBytesPerSecond(profile: NodeProfile, direction: Direction, timeMs: number): number {
  const c = curveOf(profile, direction);
  return (
    c.meanBytesPerSecond *
    (1 +
      DIURNAL_SHARE * Math.sin(DIURNAL_OMEGA * timeMs + c.diurnalPhase) +
      WAVE_SHARE * Math.sin(c.waveOmega * timeMs + c.wavePhase))
  );
}

/**
 * node_network_*_bytes_total: the exact integral of the rate since the host booted, so the
 * counter only grows, agrees with the rate, and continues where it was when the
 * simulator restarts.
 */
export function networkBytesTotal(profile: NodeProfile, direction: Direction, timeMs: number): number {
  const c = curveOf(profile, direction);
  const from = profile.bootedAtMs;
  const to = Math.max(from, timeMs);
  const diurnal =
    (DIURNAL_SHARE / DIURNAL_OMEGA) *
    (Math.cos(DIURNAL_OMEGA * from + c.diurnalPhase) - Math.cos(DIURNAL_OMEGA * to + c.diurnalPhase));
  const wave =
    (WAVE_SHARE / c.waveOmega) *
    (Math.cos(c.waveOmega * from + c.wavePhase) - Math.cos(c.waveOmega * to + c.wavePhase));
  return Math.floor((c.meanBytesPerSecond * (to - from + diurnal + wave)) / 1000);
}
