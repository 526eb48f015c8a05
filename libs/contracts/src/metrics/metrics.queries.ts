import * as z from 'zod';
import { NodeId, SelectorLabels } from '../common.schema';
import { MetricName } from '../node/samples.schema';
import { LabelName } from '../request-limits';
import { labelRegexError, MAX_REGEX_LENGTH } from './label-regex';
import { TIERS } from './tiers';

/**
 * Prometheus-style label matcher; `node` matches the node id. The pattern of `=~` and `!~` must
 * be an RE2 regular expression within the bounds of label-regex.ts (refused here, naming
 * `value`, so a rule, silence, route or query with lookaround or a backreference never gets in).
 */
export const LabelMatcher = z
  .object({
    label: LabelName,
    op: z.enum(['=', '!=', '=~', '!~']),
    value: z.string().max(MAX_REGEX_LENGTH),
  })
  .superRefine((m, ctx) => {
    if (m.op !== '=~' && m.op !== '!~') return;
    const error = labelRegexError(m.value);
    if (error) ctx.addIssue({ code: 'custom', path: ['value'], message: `invalid regular expression: ${error}` });
  });
export type LabelMatcher = z.infer<typeof LabelMatcher>;

/** Which nodes: by id, or by the labels registry-svc holds for them (all must match). */
export const NodeSelector = z
  .object({
    ids: z.array(NodeId).min(1).max(10_000).optional(),
    labels: SelectorLabels.optional(),
  })
  .refine((s) => s.ids !== undefined || s.labels !== undefined, 'give ids or labels');
export type NodeSelector = z.infer<typeof NodeSelector>;

/** The statistic of each rollup bucket a query reads. */
export const BucketStat = z.enum(['avg', 'min', 'max', 'sum', 'count', 'last']);
export type BucketStat = z.infer<typeof BucketStat>;

export const CrossAggregation = z.enum(['avg', 'min', 'max', 'sum', 'count']);
export type CrossAggregation = z.infer<typeof CrossAggregation>;

const UnixMs = z.number().int().nonnegative();

export const RangeQueryRequest = z
  .object({
    metric: MetricName,
    matchers: z.array(LabelMatcher).max(20).default([]),
    nodes: NodeSelector.optional(),
    /** Unix milliseconds, inclusive start and exclusive end. */
    start: UnixMs,
    end: UnixMs,
    /** Milliseconds between points; picks the tier (< 1 min: 10 s, < 1 h: 1 min, else 1 h). */
    step: z
      .number()
      .int()
      .min(1000)
      .max(31 * 24 * 3600_000),
    stat: BucketStat.default('avg'),
    /** Aggregates across series into one series per distinct value of the `by` labels. */
    aggregate: z
      .object({
        op: CrossAggregation,
        by: z.array(LabelName).max(10).default([]),
      })
      .optional(),
  })
  .refine((r) => r.end > r.start, { message: 'end must be after start', path: ['end'] });
export type RangeQueryRequest = z.input<typeof RangeQueryRequest>;

/** A point is `[unix ms, value]`. Series labels include `node` (unless aggregated away). */
export const SeriesResult = z.object({
  metric: z.string(),
  labels: z.record(z.string(), z.string()),
  points: z.array(z.tuple([z.number(), z.number()])),
});
export type SeriesResult = z.infer<typeof SeriesResult>;

export const RangeQueryReply = z.object({
  /** The tier the step (or the retention) called for; the newest part may come from finer tiers not rolled up yet. */
  tier: z.enum(TIERS),
  /** Milliseconds between points: the requested step, or the tier's bucket when that is coarser. */
  step: z.number().int(),
  series: z.array(SeriesResult),
});
export type RangeQueryReply = z.infer<typeof RangeQueryReply>;

export const TopKRequest = z
  .object({
    metric: MetricName,
    matchers: z.array(LabelMatcher).max(20).default([]),
    nodes: NodeSelector.optional(),
    k: z.number().int().min(1).max(1000).default(10),
    /** Without a range: the latest values. With one: each series' `stat` over the range. */
    range: z.object({ start: UnixMs, end: UnixMs }).optional(),
    stat: z.enum(['avg', 'max', 'min', 'last']).default('avg'),
    order: z.enum(['desc', 'asc']).default('desc'),
  })
  .refine((r) => !r.range || r.range.end > r.range.start, {
    message: 'end must be after start',
    path: ['range', 'end'],
  });
export type TopKRequest = z.input<typeof TopKRequest>;

export const TopKReply = z.object({
  items: z.array(
    z.object({ nodeId: NodeId, metric: z.string(), labels: z.record(z.string(), z.string()), value: z.number() }),
  ),
});
export type TopKReply = z.infer<typeof TopKReply>;

export const LatestRequest = z.object({
  metric: MetricName.optional(),
  matchers: z.array(LabelMatcher).max(20).default([]),
  nodes: NodeSelector.optional(),
});
export type LatestRequest = z.input<typeof LatestRequest>;

export const LatestReply = z.object({
  items: z.array(
    z.object({
      nodeId: NodeId,
      metric: z.string(),
      labels: z.record(z.string(), z.string()),
      value: z.number(),
      /** Unix ms of the sample. */
      timestamp: z.number(),
    }),
  ),
});
export type LatestReply = z.infer<typeof LatestReply>;

/** Label names in use (`__name__` and `node` included), optionally only those of one metric. */
export const LabelNamesRequest = z.object({ metric: MetricName.optional() });
export type LabelNamesRequest = z.input<typeof LabelNamesRequest>;
export const LabelNamesReply = z.object({ names: z.array(z.string()) });
export type LabelNamesReply = z.infer<typeof LabelNamesReply>;

/** Values a label takes (`__name__`: metric names, `node`: node ids), optionally within one metric. */
export const LabelValuesRequest = z.object({ label: LabelName, metric: MetricName.optional() });
export type LabelValuesRequest = z.input<typeof LabelValuesRequest>;
export const LabelValuesReply = z.object({ values: z.array(z.string()) });
export type LabelValuesReply = z.infer<typeof LabelValuesReply>;

/** The request/reply operations of the metrics context (`qry.metrics.*`). */
export const metricsQueries = {
  range: { kind: 'qry', context: 'metrics', what: 'range', request: RangeQueryRequest, reply: RangeQueryReply },
  topK: { kind: 'qry', context: 'metrics', what: 'topk', request: TopKRequest, reply: TopKReply },
  latest: { kind: 'qry', context: 'metrics', what: 'latest', request: LatestRequest, reply: LatestReply },
  labelNames: {
    kind: 'qry',
    context: 'metrics',
    what: 'label-names',
    request: LabelNamesRequest,
    reply: LabelNamesReply,
  },
  labelValues: {
    kind: 'qry',
    context: 'metrics',
    what: 'label-values',
    request: LabelValuesRequest,
    reply: LabelValuesReply,
  },
} as const;
