import * as z from 'zod';
import { SelectorLabels } from '../common.schema';
import { Duration, durationMs } from '../duration';
import { LabelMatcher } from '../metrics/metrics.queries';
import { MetricName } from '../node/samples.schema';
import { LABEL_NAME_PATTERN, SUBJECT_TOKEN_PATTERN } from '../patterns';
import { describeIssues } from '../validation';
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

/**
 * The parts of a rule that today's contract bounds or checks more than an earlier one did: a
 * rule stored earlier (in an event, in the read model) is read with the lenient parts, so it
 * stays readable (and can be updated or deleted) whatever the contract refuses today.
 */
interface RuleParts {
  matcher: z.ZodType<LabelMatcher>;
  labelName: z.ZodType<string>;
  labels: z.ZodType<Record<string, string>>;
  annotations: z.ZodType<Record<string, string>>;
  selectorLabels: z.ZodType<Record<string, string>>;
  duration: z.ZodType<number, number | string>;
}

const strictParts: RuleParts = {
  matcher: LabelMatcher,
  labelName: LabelName,
  /** Annotation templates: `{{ $labels.mount }}`, `{{ $value }}`, `{{ $node }}` are filled in per alert. */
  annotations: boundedRecord(
    LabelName,
    z.string().max(REQUEST_LIMITS.annotation_value_chars, overLimitText('annotation_value_chars')),
    'rule_annotations',
  ),
  /** The labels a rule adds to its alerts. */
  labels: boundedRecord(
    LabelName,
    z.string().max(REQUEST_LIMITS.label_value_chars, overLimitText('label_value_chars')),
    'rule_labels',
  ),
  selectorLabels: SelectorLabels,
  duration: Duration,
};

const LenientLabelName = z.string().regex(LABEL_NAME_PATTERN, 'invalid label name');
const LenientLabels = z.record(LenientLabelName, z.string());
const lenientParts: RuleParts = {
  // Any pattern: one RE2 refuses selects nothing (matchesLabels).
  matcher: z.object({ label: LenientLabelName, op: LabelMatcher.shape.op, value: z.string() }),
  labelName: LenientLabelName,
  labels: LenientLabels,
  annotations: LenientLabels,
  selectorLabels: LenientLabels,
  // Stored rules hold their durations in milliseconds.
  duration: z.union([z.number().int().min(0), z.string()]).transform((v, ctx) => {
    const ms = typeof v === 'number' ? v : durationMs(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `invalid duration "${String(v)}"` });
      return z.NEVER;
    }
    return ms;
  }),
};

function ruleSchema(p: RuleParts) {
  const AtLeast1s = p.duration.refine((ms) => ms >= 1000, 'must be at least 1s');
  const common = {
    id: RuleId,
    /** The alert's name (its `alertname` label), e.g. `HighCPU`. */
    name: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a letter or "_" followed by letters, digits or "_"')
      .max(200),
    severity: Severity,
    labels: p.labels.default({}),
    annotations: p.annotations.default({}),
    /** How long an alert keeps firing after its condition cleared (damps flapping). */
    keepFiringFor: p.duration.default(0),
    enabled: z.boolean().default(true),
  };

  /** `metric{matchers} op value`, optionally over a window (`avg_over_time` …), held for `for`. */
  const ThresholdRule = z.strictObject({
    ...common,
    kind: z.literal('threshold'),
    metric: MetricName,
    matchers: z.array(p.matcher).max(20).default([]),
    op: ComparisonOp,
    value: z.number().refine(Number.isFinite, 'must be a finite number'),
    window: z.strictObject({ aggregate: z.enum(['avg', 'max', 'min']), duration: AtLeast1s }).optional(),
    for: p.duration.default(0),
  });

  /** No sample of `metric{matchers}` for `for`, per label set `by` (by default per node). */
  const AbsentRule = z.strictObject({
    ...common,
    kind: z.literal('absent'),
    metric: MetricName,
    matchers: z.array(p.matcher).max(20).default([]),
    by: z.array(p.labelName).max(10).default(['node']),
    for: AtLeast1s,
  });

  /** A node that registry-svc reports offline for `for` (optionally only nodes with these labels). */
  const OfflineRule = z.strictObject({
    ...common,
    kind: z.literal('offline'),
    nodeLabels: p.selectorLabels.optional(),
    for: p.duration.default(0),
  });

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
    by: z.array(p.labelName).max(10).default(['job']),
  });
  const MissingEventRule = z.strictObject({
    ...common,
    kind: z.literal('missing'),
    event: WatchedEvent,
    by: z.array(p.labelName).max(10).default(['job']),
    for: AtLeast1s,
  });

  return z.discriminatedUnion('kind', [ThresholdRule, AbsentRule, OfflineRule, EventRule, MissingEventRule]);
}

/** Events other contexts emit that rules can watch. */
export const WatchedEvent = z.enum([
  'backup.failed',
  'backup.succeeded',
  'backup.verified',
  'backup.rto_regressed',
  'backup.verification_failed',
]);
export type WatchedEvent = z.infer<typeof WatchedEvent>;

/** An alert rule as operators write it (YAML or the API); durations as text or ms. */
export const AlertRule = ruleSchema(strictParts);
export type AlertRule = z.infer<typeof AlertRule>;

/**
 * A rule as stored earlier (rule events, the read model): the shape of AlertRule with the
 * checks and bounds added since (RE2 patterns, REQUEST_LIMITS) left out, so a rule the contract
 * refuses today is still read. Whether it is valid today is `storedRuleProblem`.
 */
export const StoredAlertRule = ruleSchema(lenientParts) as unknown as z.ZodType<AlertRule, unknown>;

/** Why a stored rule is refused by today's contract (the fields and why), or undefined when it is valid. */
export function storedRuleProblem(rule: AlertRule): string | undefined {
  const r = AlertRule.safeParse(rule);
  return r.success ? undefined : describeIssues(r.error);
}
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
