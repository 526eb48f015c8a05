import { type LatestReply, LatestRequest, resultTooLarge, type z } from '@vigil/contracts';
import { type QueryContext, requireLatest } from './query-context';
import { estimateLatestReply } from './reply-size';

type Request = z.infer<typeof LatestRequest>;

/** The latest value of every selected series, straight from Redis; series without one are left out. */
export async function latestQuery(ctx: QueryContext, req: Request): Promise<LatestReply> {
  const series = await ctx.selector.resolve(req);
  const bytes = estimateLatestReply(series);
  const budget = ctx.maxReplyBytes();
  if (bytes > budget) throw resultTooLarge(bytes, budget, { series: series.length });
  const values = await requireLatest(ctx, series);
  const items: LatestReply['items'] = [];
  for (const s of series) {
    const v = values.get(s.id);
    if (v) items.push({ nodeId: s.nodeId, metric: s.metric, labels: s.labels, value: v.last, timestamp: v.lastAt });
  }
  return { items };
}
