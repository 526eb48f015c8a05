import { type Tier, TIER_MS, tierForStep } from '@vigil/contracts';
import type { Retention } from '../config';

/** Buckets with a start in [from, to) of one tier's table. */
export interface Segment {
  tier: Tier;
  from: number;
  to: number;
}

/**
 * How far each coarse tier is complete: every bucket of it that ends at or before this
 * instant has been rolled up from the finer tier (metrics.rollup_watermarks, rounded down
 * to the tier's bucket).
 */
export interface Completeness {
  '1m': number;
  '1h': number;
}

const FINER: Record<Tier, Tier | undefined> = { '10s': undefined, '1m': '10s', '1h': '1m' };
const COARSER: Record<Tier, Tier | undefined> = { '10s': '1m', '1m': '1h', '1h': undefined };

/**
 * The tier a range query reads: the finest one whose bucket fits in the step, or a coarser
 * one when that tier no longer holds `start` (its retention has passed). The oldest data
 * only the 1 h tier keeps.
 */
export function chooseTier(stepMs: number, startMs: number, nowMs: number, retention: Retention): Tier {
  let tier: Tier = tierForStep(stepMs);
  for (let c = COARSER[tier]; c && startMs < nowMs - retention[tier]; c = COARSER[tier]) tier = c;
  return tier;
}

/** Whether `tier` still holds data from `fromMs` on. */
function retains(tier: Tier, fromMs: number, nowMs: number, retention: Retention): boolean {
  return fromMs >= nowMs - retention[tier];
}

const floorTo = (t: number, size: number) => Math.floor(t / size) * size;
const ceilTo = (t: number, size: number) => Math.ceil(t / size) * size;

/**
 * Splits [from, to) over the tiers so the answer is exact and cheap: whole buckets of
 * `tier` where it is complete, the finer tier for the partial buckets at the edges and for
 * the newest part the coarse tier has not been rolled up to yet (minutes at most, in
 * steady state). An edge the finer tier no longer retains is left out.
 */
export function planSegments(
  tier: Tier,
  from: number,
  to: number,
  complete: Completeness,
  nowMs: number,
  retention: Retention,
): Segment[] {
  if (from >= to) return [];
  const finer = FINER[tier];
  if (!finer) return [{ tier, from, to }];
  const size = TIER_MS[tier];
  const bodyFrom = Math.min(ceilTo(from, size), to);
  const bodyTo = Math.max(bodyFrom, Math.min(floorTo(to, size), floorTo(complete[tier as '1m' | '1h'], size)));
  const viaFiner = (a: number, b: number) => (retains(finer, a, nowMs, retention) ? planSegments(finer, a, b, complete, nowMs, retention) : []);
  const segments: Segment[] = [...viaFiner(from, bodyFrom)];
  if (bodyFrom < bodyTo) segments.push({ tier, from: bodyFrom, to: bodyTo });
  segments.push(...viaFiner(bodyTo, to));
  return merge(segments);
}

/** Adjacent segments of one tier become one (fewer UNION ALL branches). */
function merge(segments: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    const prev = out[out.length - 1];
    if (prev && prev.tier === s.tier && prev.to === s.from) prev.to = s.to;
    else out.push({ ...s });
  }
  return out;
}

/**
 * The points of a range query: multiples of `step` in [start, end), each aggregating the
 * buckets that start in [t, t + step). So a point never reads data before `start`, and
 * every point covers a full step (the newest one: as much of it as exists).
 */
export function stepWindow(startMs: number, endMs: number, stepMs: number): { from: number; to: number; points: number } {
  const from = ceilTo(startMs, stepMs);
  const last = ceilTo(endMs, stepMs) - stepMs;
  if (last < from) return { from, to: from, points: 0 };
  return { from, to: last + stepMs, points: (last - from) / stepMs + 1 };
}
