import * as z from 'zod';
import { SelectorLabels } from '../common.schema';
import { Duration } from '../duration';
import { LabelMatcher } from '../metrics/metrics.queries';
import { MetricName } from '../node/samples.schema';
import { SUBJECT_TOKEN_PATTERN } from '../patterns';
import { boundedRecord, LabelName, overLimit, REQUEST_LIMITS, type RequestLimit } from '../request-limits';

const overLimitText = (limit: RequestLimit) => overLimit(limit, 'text');

/** A rule's id: a subject token (`events.alerting.<id>`), e.g. `high-cpu`. */
export const RuleId = z
  .string()
  .min(1)
  .max(128)
  .regex(SUBJECT_TOKEN_PATTERN, 'must contain only letters, digits, "_" and "-"');
export type RuleId = z.infer<typeof RuleId>;

export const Severity = z.enum(['critical', 'warning', 'info']);
export type Severity = z.infer<typeof Severity>;

export const ComparisonOp = z.enum(['>', '>=', '<', '<=', '==', '!=']);
export type ComparisonOp = z.infer<typeof ComparisonOp>;

/** Annotation templates: `{{ $labels.mount }}`, `{{ $value }}`, `{{ $node }}` are filled in per alert. */
const Annotations = boundedRecord(
  LabelName,
  z.string().max(REQUEST_LIMITS.annotation_value_chars, overLimitText('annotation_value_chars')),
  'rule_annotations',
);

/** The labels a rule adds to its alerts. */
const RuleLabels = boundedRecord(
  LabelName,
  z.string().max(REQUEST_LIMITS.label_value_chars, overLimitText('label_value_chars')),
  'rule_labels',
);

const common = {
  id: RuleId,
  /** The alert's name (its `alertname` label), e.g. `HighCPU`. */
  name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a letter or "_" followed by letters, digits or "_"')
    .max(200),
  severity: Severity,
  labels: RuleLabels.default({}),
  annotations: Annotations.default({}),
  /** How long an alert keeps firing after its condition cleared (damps flapping). */
  keepFiringFor: Duration.default(0),
  enabled: z.boolean().default(true),
};

/** `metric{matchers} op value`, optionally over a window (`avg_over_time` …), held for `for`. */
const ThresholdRule = z.strictObject({
  ...common,
  kind: z.literal('threshold'),
  metric: MetricName,
  matchers: z.array(LabelMatcher).max(20).default([]),
  op: ComparisonOp,
  value: z.number().refine(Number.isFinite, 'must be a finite number'),
  window: z
    .strictObject({
      aggregate: z.enum(['avg', 'max', 'min']),
      duration: Duration.refine((ms) => ms >= 1000, 'must be at least 1s'),
    })
    .optional(),
  for: Duration.default(0),
});

/** No sample of `metric{matchers}` for `for`, per label set `by` (by default per node). */
const AbsentRule = z.strictObject({
  ...common,
  kind: z.literal('absent'),
  metric: MetricName,
  matchers: z.array(LabelMatcher).max(20).default([]),
  by: z.array(LabelName).max(10).default(['node']),
  for: Duration.refine((ms) => ms >= 1000, 'must be at least 1s'),
});

/** A node that registry-svc reports offline for `for` (optionally only nodes with these labels). */
const OfflineRule = z.strictObject({
  ...common,
  kind: z.literal('offline'),
  nodeLabels: SelectorLabels.optional(),
  for: Duration.default(0),
});

/** Events other contexts emit that rules can watch. */
export const WatchedEvent = z.enum(['backup.failed', 'backup.succeeded']);
export type WatchedEvent = z.infer<typeof WatchedEvent>;

/**
 * `event`: fires on each `on` event (per `by` label set, e.g. per backup job) and resolves
 * on the next `resolvedBy` event of the same set. `missing`: fires when no `event` event
 * arrived for `for` (per `by` label set).
 */
const EventRule = z.strictObject({
  ...common,
  kind: z.literal('event'),
  on: WatchedEvent,
  resolvedBy: WatchedEvent.optional(),
  by: z.array(LabelName).max(10).default(['job']),
});
const MissingEventRule = z.strictObject({
  ...common,
  kind: z.literal('missing'),
  event: WatchedEvent,
  by: z.array(LabelName).max(10).default(['job']),
  for: Duration.refine((ms) => ms >= 1000, 'must be at least 1s'),
});

/** An alert rule as operators write it (YAML or the API); durations as text or ms. */
export const AlertRule = z.discriminatedUnion('kind', [
  ThresholdRule,
  AbsentRule,
  OfflineRule,
  EventRule,
  MissingEventRule,
]);
export type AlertRule = z.infer<typeof AlertRule>;
export type AlertRuleInput = z.input<typeof AlertRule>;
export type RuleKind = AlertRule['kind'];
export type ThresholdRule = Extract<AlertRule, { kind: 'threshold' }>;
export type AbsentRule = Extract<AlertRule, { kind: 'absent' }>;
export type OfflineRule = Extract<AlertRule, { kind: 'offline' }>;
export type EventRule = Extract<AlertRule, { kind: 'event' }>;
export type MissingEventRule = Extract<AlertRule, { kind: 'missing' }>;

/** A rules file: `rules: [...]`, each rule's id unique. */
export const RuleFile = z.strictObject({
  rules: z
    .array(AlertRule)
    .max(REQUEST_LIMITS.rules_per_apply, overLimit('rules_per_apply', 'number of rules'))
    .superRefine((rules, ctx) => {
      const seen = new Map<string, number>();
      rules.forEach((r, i) => {
        const first = seen.get(r.id);
        if (first !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [i, 'id'],
            message: `duplicate rule id "${r.id}" (also rules.${first})`,
          });
        else seen.set(r.id, i);
      });
    }),
});
export type RuleFile = z.infer<typeof RuleFile>;

/** Whether `value op threshold` holds. */
export function compare(op: ComparisonOp, value: number, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
    default: {
      const never: never = op;
      return never;
    }
  }
}
