import {
  LimitExceededError,
  type RangeQueryReply,
  resultTooLarge,
  RangeQueryRequest,
  type SeriesResult,
  TIER_MS,
  type z,
} from '@vigil/contracts';
import type { LatestValue } from '../storage/latest-codec';
import { readLatest } from './latest.reader';
import type { QueryContext } from './query-context';
import { estimateRangeReply } from './reply-size';
import { readCompleteness, readStepPartials, storedTenSecondBuckets } from './rollup.reader';
import type { Series } from './series-selector';
import { aggregateAcross, type LabelledPoints, type Partial, STATS } from './stats';
import { chooseTier, planSegments, type Segment, stepWindow } from './tier-plan';

/**
 * The open 10 s bucket in Redis is only worth a look when the query reaches the last few
 * minutes: Postgres has every bucket older than the grace period plus a flush, unless the
 * ingest is behind (and then Redis holds only its newest bucket anyway).
 */
const OPEN_BUCKET_HORIZON_MS = 5 * 60_000;

type Request = z.infer<typeof RangeQueryRequest>;

/** Range queries: series, tier, limits, then one SQL over the tiers, the open buckets merged, aggregated. */
export async function rangeQuery(ctx: QueryContext, req: Request): Promise<RangeQueryReply> {
  const now = ctx.now();
  const tier = chooseTier(req.step, req.start, now, ctx.retention);
  const step = Math.max(req.step, TIER_MS[tier]);
  const series = await ctx.selector.resolve(req);
  const perSeries = Math.ceil((req.end - req.start) / step);
  if (series.length * perSeries > ctx.maxPoints) {
    throw new LimitExceededError(
      `the query would read ${series.length} series × ${perSeries} points = ${series.length * perSeries} points, ` +
        `more than VIGIL_METRICS_MAX_POINTS=${ctx.maxPoints}; use a larger step, a shorter range or fewer series`,
      { series: series.length, pointsPerSeries: perSeries, maxPoints: ctx.maxPoints },
    );
  }
  const window = stepWindow(req.start, req.end, step);
  // Refused before a row is read: the reply must fit in one NATS message.
  const budget = ctx.maxReplyBytes();
  const bytes = estimateRangeReply(req.metric, series, Math.max(perSeries, window.points), req.aggregate);
  if (bytes > budget) {
    throw resultTooLarge(bytes, budget, { series: series.length, pointsPerSeries: Math.max(perSeries, window.points) });
  }
  if (series.length === 0 || window.points === 0) return { tier, step, series: [] };

  const segments = planSegments(tier, window.from, window.to, await readCompleteness(ctx.db), now, ctx.retention);
  const ids = series.map((s) => s.id);
  const recent = segments.filter((s) => s.tier === '10s' && s.to > now - OPEN_BUCKET_HORIZON_MS);
  const [partials, open] = await Promise.all([
    segments.length ? readStepPartials(ctx.db, ids, segments, step, req.stat) : new Map<number, Map<number, Partial>>(),
    recent.length ? openBuckets(ctx, series, recent) : new Map<number, LatestValue>(),
  ]);
  const ops = STATS[req.stat];
  for (const [id, v] of open) {
    const t = Math.floor(v.bucket / step) * step;
    let points = partials.get(id);
    if (!points) partials.set(id, (points = new Map()));
    const existing = points.get(t);
    points.set(t, existing ? ops.merge(existing, ops.fromLatest(v)) : ops.fromLatest(v));
  }

  const labelled: (LabelledPoints & { series: Series })[] = series.map((s) => {
    const points: [number, number][] = [];
    for (const [t, p] of partials.get(s.id) ?? []) {
      const v = ops.value(p);
      if (v !== undefined && v !== null) points.push([t, v]);
    }
    points.sort((x, y) => x[0] - y[0]);
    return { series: s, labels: { ...s.labels, node: s.nodeId }, points };
  });
  const withData = labelled.filter((l) => l.points.length > 0);
  const out: SeriesResult[] = req.aggregate
    ? aggregateAcross(req.metric, withData, req.aggregate.op, req.aggregate.by)
    : withData.map((l) => ({ metric: l.series.metric, labels: l.labels, points: l.points }));
  return { tier, step, series: out };
}

/**
 * Open buckets to merge: each series' Redis bucket when it lies in a recent 10 s segment and
 * Postgres does not have it yet (once written, Postgres' row is the bucket). A Redis outage
 * only costs the freshest seconds, so it is logged and the query answers without them.
 */
async function openBuckets(
  ctx: QueryContext,
  series: readonly Series[],
  segments: readonly Segment[],
): Promise<Map<number, LatestValue>> {
  let latest: Map<number, LatestValue>;
  try {
    latest = await readLatest(ctx.cache, series);
  } catch (e) {
    ctx.logger.warn({ err: e }, 'range query without open buckets: Redis failed');
    return new Map();
  }
  const candidates = [...latest.entries()].filter(([, v]) =>
    segments.some((s) => v.bucket >= s.from && v.bucket < s.to),
  );
  const stored = await storedTenSecondBuckets(
    ctx.db,
    candidates.map(([id, v]) => ({ id, bucket: v.bucket })),
  );
  return new Map(candidates.filter(([id, v]) => !stored.has(`${id}:${v.bucket}`)));
}
