import { type TopKReply, TopKRequest, type z } from '@vigil/contracts';
import { type QueryContext, requireLatest } from './query-context';
import { readCompleteness, readTopK } from './rollup.reader';
import type { Series } from './series.resolver';
import { planSegments, tierForRange } from './tier-plan';

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
    const ids = await ctx.resolver.resolveIds(req);
    if (ids.length === 0) return { items: [] };
    const ranked = await overRange(ctx, req, ids, req.range);
    return reply(ranked, await ctx.resolver.describe(ranked.map((r) => r.id)));
  }
  const series = await ctx.resolver.resolve(req);
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
  const segments = planSegments(tier, range.start, range.end, await readCompleteness(ctx.db), now, ctx.retention);
  if (segments.length === 0) return [];
  const chunks: number[][] = [];
  // Sorted, so each chunk's ids are neighbours in the primary key (series_id, bucket).
  const sorted = [...ids].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i += CHUNK) chunks.push(sorted.slice(i, i + CHUNK));
  const results: { id: number; v: number }[] = [];
  for (let i = 0; i < chunks.length; i += PARALLEL) {
    const batch = await Promise.all(
      chunks.slice(i, i + PARALLEL).map((ids) => readTopK(ctx.db, ids, segments, req.stat, req.order, req.k)),
    );
    for (const rows of batch) results.push(...rows);
  }
  const sign = req.order === 'desc' ? -1 : 1;
  return results.sort((a, b) => sign * (a.v - b.v) || a.id - b.id).slice(0, req.k);
}
