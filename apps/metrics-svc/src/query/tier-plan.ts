import { type Tier, TIER_MS, tierForStep } from '@vigil/contracts';
import type { Retention } from '../config';
import type { CoarseTier } from '../storage/tier-rollup';

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
export type Completeness = Record<CoarseTier, number>;

/**
 * Tiers from fine to coarse: each bucket lies inside one bucket of the next tier. The 10 min
 * and 1 h tiers are both rolled up from the 1 min one, but the 10 min tier still serves the
 * edges of a 1 h plan: it is exact wherever its own watermark has passed.
 */
const FINER: Record<Tier, Tier | undefined> = { '10s': undefined, '1m': '10s', '10m': '1m', '1h': '10m' };
const COARSER: Record<Tier, Tier | undefined> = { '10s': '1m', '1m': '10m', '10m': '1h', '1h': undefined };

/**
 * The tier a range query reads: the finest one whose bucket fits in the step (10 s, 1 min,
 * 10 min, 1 h), or a coarser one when that tier no longer holds `start` (its retention has
 * passed). The oldest data only the 1 h tier keeps.
 */
export function chooseTier(stepMs: number, startMs: number, nowMs: number, retention: Retention): Tier {
  return retainedFrom(tierForStep(stepMs), startMs, nowMs, retention);
}

/** `tier`, or the first coarser one that still holds `startMs`; the coarsest when none does. */
function retainedFrom(tier: Tier, startMs: number, nowMs: number, retention: Retention): Tier {
  for (let c = COARSER[tier]; c && startMs < nowMs - retention[tier]; c = COARSER[tier]) tier = c;
  return tier;
}

/** A range of a single value (top-k) reads the coarsest tier with at least this many buckets in it. */
const MIN_BUCKETS_IN_RANGE = 6;

/**
 * The tier a value over the whole of [start, end) reads its body from: the coarsest one with
 * at least MIN_BUCKETS_IN_RANGE buckets in the range (1 h: a 10 min body, 6 h: a 1 h body),
 * or a coarser one when that tier no longer holds `start`. planSegments fills the edges
 * from the finer tiers, so the choice changes the cost, never the value: rows a series are
 * about range / bucket plus the edges (up to one bucket of each finer tier at each end),
 * and each tier in the plan costs one more index lookup a series.
 */
export function tierForRange(startMs: number, endMs: number, nowMs: number, retention: Retention): Tier {
  let tier: Tier = '10s';
  for (let c = COARSER[tier]; c && TIER_MS[c] * MIN_BUCKETS_IN_RANGE <= endMs - startMs; c = COARSER[tier]) tier = c;
  return retainedFrom(tier, startMs, nowMs, retention);
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
  const bodyTo = Math.max(bodyFrom, Math.min(floorTo(to, size), floorTo(complete[tier as CoarseTier], size)));
  const viaFiner = (a: number, b: number) =>
    retains(finer, a, nowMs, retention) ? planSegments(finer, a, b, complete, nowMs, retention) : [];
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
export function stepWindow(
  startMs: number,
  endMs: number,
  stepMs: number,
): { from: number; to: number; points: number } {
  const from = ceilTo(startMs, stepMs);
  const last = ceilTo(endMs, stepMs) - stepMs;
  if (last < from) return { from, to: from, points: 0 };
  return { from, to: last + stepMs, points: (last - from) / stepMs + 1 };
}
