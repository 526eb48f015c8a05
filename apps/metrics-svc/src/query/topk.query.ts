import { type Tier, TIER_MS, type TopKReply, TopKRequest, type z } from '@vigil/contracts';
import { type QueryContext, requireLatest } from './query-context';
import {
  type BucketPartials,
  type CachedSelection,
  foldPartials,
  neutralPartials,
  type RangeCache,
  rankPartials,
} from './range-cache';
import { readBucketRows, readRollupState, readTopK, type RollupState } from './rollup.reader';
import type { Series } from './series-selector';
import { planSegments, type Segment, tierForRange } from './tier-plan';

type Request = z.infer<typeof TopKRequest>;

/** "Now" means a value at most this old, as Prometheus' default lookback: a node gone quiet drops out. */
export const LOOKBACK_MS = 5 * 60_000;

/**
 * Series ids per SQL statement: a fleet's worth (10 000) splits into a few statements run
 * side by side, each choosing index scans and staying below the JIT cost thresholds; the
 * top k of the union is among the per-chunk top ks. Bounded, so queries leave connections
 * in the pool (of 10) for the ingest.
 */
const CHUNK = 2500;
const PARALLEL = 4;

export async function topKQuery(ctx: QueryContext, req: Request): Promise<TopKReply> {
  if (req.range) {
    // Over a range every selected series is read but only k are answered: the ids are enough
    // to rank them (no labels, no sort), and only the k kept are described.
    const ids = await ctx.selector.resolveIds(req);
    if (ids.length === 0) return { items: [] };
    const ranked = await overRange(ctx, req, ids, req.range);
    return reply(ranked, await ctx.selector.describe(ranked.map((r) => r.id)));
  }
  const series = await ctx.selector.resolve(req);
  if (series.length === 0) return { items: [] };
  return reply(await latest(ctx, req, series), series);
}

function reply(ranked: { id: number; v: number }[], series: Series[]): TopKReply {
  const byId = new Map(series.map((s) => [s.id, s]));
  return {
    items: ranked.flatMap(({ id, v }) => {
      // A series deleted between ranking and describing is left out.
      const s = byId.get(id);
      return s ? [{ nodeId: s.nodeId, metric: s.metric, labels: s.labels, value: v }] : [];
    }),
  };
}

/** Without a range: the latest value of each series (Redis), whatever the stat, within the lookback. */
async function latest(ctx: QueryContext, req: Request, series: Series[]): Promise<{ id: number; v: number }[]> {
  const values = await requireLatest(ctx, series);
  const since = ctx.now() - LOOKBACK_MS;
  const sign = req.order === 'desc' ? -1 : 1;
  return [...values.entries()]
    .filter(([, v]) => v.lastAt >= since)
    .map(([id, v]) => ({ id, v: v.last }))
    .sort((a, b) => sign * (a.v - b.v) || a.id - b.id)
    .slice(0, req.k);
}

async function overRange(
  ctx: QueryContext,
  req: Request,
  ids: number[],
  range: { start: number; end: number },
): Promise<{ id: number; v: number }[]> {
  const now = ctx.now();
  // The body from the coarsest tier with six buckets in the range (a 1 h range: the 10 min
  // tier), the edges and the part not rolled up yet from the finer tiers, so the value is
  // exact for the range, to the 10 s bucket.
  const tier = tierForRange(range.start, range.end, now, ctx.retention);
  const state = await readRollupState(ctx.db, ctx.partitions);
  const segments = planSegments(tier, range.start, range.end, state.complete, now, ctx.retention);
  if (segments.length === 0) return [];
  // Sorted, so each chunk's ids are neighbours in the primary key (series_id, bucket).
  const sorted = Int32Array.from(ids).sort();
  if (ctx.rangeCache) {
    const ranked = await cachedOverRange(ctx, ctx.rangeCache, req, sorted, segments, state);
    warmNextMinute(ctx, ctx.rangeCache, req, sorted, range, tier, state);
    return ranked;
  }
  const results: { id: number; v: number }[] = [];
  await inChunks(sorted, async (chunk) => {
    results.push(...(await readTopK(ctx.db, chunk, segments, req.stat, req.order, req.k)));
  });
  const sign = req.order === 'desc' ? -1 : 1;
  return results.sort((a, b) => sign * (a.v - b.v) || a.id - b.id).slice(0, req.k);
}

/** Runs `work` over chunks of CHUNK ids, PARALLEL at a time. */
async function inChunks(ids: Int32Array | readonly number[], work: (chunk: number[]) => Promise<void>): Promise<void> {
  const chunks: number[][] = [];
  for (let i = 0; i < ids.length; i += CHUNK) chunks.push(Array.from(ids.slice(i, i + CHUNK)));
  for (let i = 0; i < chunks.length; i += PARALLEL) await Promise.all(chunks.slice(i, i + PARALLEL).map(work));
}

/** A bucket the query needs from Postgres: kept afterwards when closed, for the positions given (all when absent). */
interface Needed {
  tier: Tier;
  bucket: number;
  closed: boolean;
  partials: BucketPartials;
  positions?: Int32Array;
}

/**
 * The same value from buckets: each closed bucket of the plan is taken from the cache or
 * read once and kept; buckets still open (the newest 10 s ones, coarse ones not rolled up)
 * are read every time. So a dashboard's top-k over the last hour reads the few buckets that
 * are new since its last refresh, not the whole hour of every series.
 */
async function cachedOverRange(
  ctx: QueryContext,
  cache: RangeCache,
  req: Request,
  ids: Int32Array,
  segments: readonly Segment[],
  state: RollupState,
): Promise<{ id: number; v: number }[]> {
  const now = ctx.now();
  cache.sync(state.revision);
  const sel = cache.selection(selectionKey(req), req.stat, ids);
  const acc = neutralPartials(req.stat, ids.length);
  const held: BucketPartials[] = [];
  const whole: Needed[] = [];
  const some: Needed[] = [];
  const derivedBefore = cache.derived;
  for (const seg of segments) {
    const size = TIER_MS[seg.tier];
    const closedBy = seg.tier === '10s' ? state.closed10s : state.complete[seg.tier];
    for (let bucket = Math.ceil(seg.from / size) * size; bucket < seg.to; bucket += size) {
      const closed = bucket + size <= closedBy;
      const got = closed
        ? (cache.get(sel, seg.tier, bucket, now) ?? cache.derive(sel, seg.tier, bucket, now))
        : undefined;
      if (!got) {
        whole.push({ tier: seg.tier, bucket, closed, partials: neutralPartials(req.stat, ids.length) });
        continue;
      }
      held.push(got);
      if (got.missing) some.push({ tier: seg.tier, bucket, closed, partials: got, positions: got.missing });
    }
  }
  cache.hits += held.length - some.length - (cache.derived - derivedBefore);
  cache.misses += whole.filter((n) => n.closed).length + some.length;
  await readNeeded(ctx, sel, ids, whole, req.stat);
  if (some.length > 0) {
    // Series new to the selection: their rows of the held buckets, read for them alone.
    const positions = [...new Set(some.flatMap((n) => [...(n.positions ?? [])]))].sort((a, b) => a - b);
    await readNeeded(
      ctx,
      sel,
      Int32Array.from(positions, (i) => ids[i]),
      some,
      req.stat,
    );
  }
  for (const n of whole) if (n.closed) cache.put(sel, n.tier, n.bucket, n.partials, now);
  for (const n of some) cache.complete(sel, n.tier, n.bucket);
  for (const p of [...held, ...whole.map((n) => n.partials)]) foldPartials(req.stat, acc, p);
  return rankPartials(req.stat, acc, ids, req.order, req.k);
}

const selectionKey = (req: Request) => JSON.stringify([req.metric, req.matchers, req.nodes ?? null, req.stat]);
const MINUTE = TIER_MS['1m'];

/**
 * Within `prefetchLeadMs` of a minute boundary, reads in the background the closed buckets the
 * same query will need during the minute after it and the cache does not hold: as the range's
 * start crosses into a minute, its head goes from that minute's 1 min bucket to its 10 s
 * buckets (and at a 10 min boundary, from a 10 min bucket to 1 min ones), an hour-old read of
 * every series that otherwise lands on the first refresh after the boundary. The buckets are
 * found by planning the query as it will be asked every 10 s of that minute, under today's
 * rollup state; only those closed now are read. Once per selection and boundary; a late write
 * in the meantime (the revision moved) discards what was read.
 */
function warmNextMinute(
  ctx: QueryContext,
  cache: RangeCache,
  req: Request,
  ids: Int32Array,
  range: { start: number; end: number },
  tier: Tier,
  state: RollupState,
): void {
  const boundary = Math.floor(range.start / MINUTE) * MINUTE + MINUTE;
  const lead = boundary - range.start;
  if (cache.prefetchLeadMs <= 0 || lead > cache.prefetchLeadMs) return;
  const key = selectionKey(req);
  if (!cache.claimWarmUp(key, boundary)) return;
  const sel = cache.selection(key, req.stat, ids);
  const now = ctx.now();
  const wanted = new Map<string, Needed>();
  for (let shift = lead + 1; shift < lead + MINUTE; shift += TIER_MS['10s']) {
    for (const seg of planSegments(
      tier,
      range.start + shift,
      range.end + shift,
      state.complete,
      now + shift,
      ctx.retention,
    )) {
      const size = TIER_MS[seg.tier];
      const closedBy = seg.tier === '10s' ? state.closed10s : state.complete[seg.tier];
      for (
        let bucket = Math.ceil(seg.from / size) * size;
        bucket < seg.to && bucket + size <= closedBy;
        bucket += size
      ) {
        const id = `${seg.tier}:${bucket}`;
        if (wanted.has(id) || sel.buckets.has(id)) continue;
        wanted.set(id, { tier: seg.tier, bucket, closed: true, partials: neutralPartials(req.stat, ids.length) });
      }
    }
  }
  if (wanted.size === 0) return;
  const needed = [...wanted.values()].sort((a, b) =>
    a.tier === b.tier ? a.bucket - b.bucket : a.tier < b.tier ? -1 : 1,
  );
  cache.background(async () => {
    try {
      await readNeeded(ctx, sel, ids, needed, req.stat);
    } catch (e) {
      ctx.logger.warn(
        { err: e, metric: req.metric },
        'top-k warm-up read failed; the next query reads the buckets itself',
      );
      return;
    }
    if (!cache.holds(sel, state.revision)) return;
    for (const n of needed) {
      if (sel.buckets.has(`${n.tier}:${n.bucket}`)) continue;
      cache.put(sel, n.tier, n.bucket, n.partials, ctx.now());
      cache.prefetched++;
    }
  });
}

/** Reads the needed buckets for `ids` (contiguous buckets of one tier as one segment) into their partials. */
async function readNeeded(
  ctx: QueryContext,
  sel: CachedSelection,
  ids: Int32Array,
  needed: readonly Needed[],
  stat: Request['stat'],
): Promise<void> {
  if (needed.length === 0 || ids.length === 0) return;
  const segments: Segment[] = [];
  const into: Map<number, Needed>[] = [];
  for (const n of needed) {
    const size = TIER_MS[n.tier];
    const last = segments[segments.length - 1];
    if (last && last.tier === n.tier && last.to === n.bucket) last.to = n.bucket + size;
    else {
      segments.push({ tier: n.tier, from: n.bucket, to: n.bucket + size });
      into.push(new Map());
    }
    into[into.length - 1].set(n.bucket, n);
  }
  await inChunks(ids, async (chunk) => {
    for (const row of await readBucketRows(ctx.db, chunk, segments, stat)) {
      const n = into[row.t].get(row.bucket);
      const i = sel.position.get(row.id);
      if (!n || i === undefined) continue;
      n.partials.a[i] = row.a;
      n.partials.b[i] = row.b;
    }
  });
}
