import * as z from 'zod';
import { IsoTimestamp } from '../common.schema';
import { AlertRule, RuleFile, RuleId, StoredAlertRule } from './rule.schema';

/** Who asks: `user:<id>`, `cli:<user>@<host>`; recorded as the events' actor. */
const Actor = z.string().min(1).max(256);

/** One change a rules apply makes (or, dry, would make). */
export const RuleChange = z.object({
  ruleId: RuleId,
  change: z.enum(['create', 'update', 'enable', 'disable', 'delete', 'unchanged']),
  /** For an update: the top-level fields that differ. */
  fields: z.array(z.string()).default([]),
});
export type RuleChange = z.infer<typeof RuleChange>;

/**
 * Make the rules what a rules file says: create the new ones, update the changed ones,
 * and with `prune` delete the ones the file no longer has. `dryRun` only computes the diff.
 */
export const ApplyRulesRequest = z.object({
  rules: RuleFile.shape.rules,
  prune: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  actor: Actor,
});
export type ApplyRulesRequest = z.input<typeof ApplyRulesRequest>;
export const ApplyRulesReply = z.object({ changes: z.array(RuleChange), applied: z.boolean() });
export type ApplyRulesReply = z.infer<typeof ApplyRulesReply>;

export const UpsertRuleRequest = z.object({ rule: AlertRule, actor: Actor });
export const RuleIdRequest = z.object({ ruleId: RuleId, actor: Actor });

/** A rule as the read model holds it. */
export const RuleView = z.object({
  /** As stored: a rule today's contract refuses is shown, with `invalid` saying why. */
  rule: StoredAlertRule,
  /** Why today's contract refuses the rule (it is not evaluated, as if disabled); absent when valid. */
  invalid: z.string().max(4096).optional(),
  version: z.number().int().positive(),
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
  updatedBy: z.string(),
});
export type RuleView = z.infer<typeof RuleView>;
export const RuleListReply = z.object({ rules: z.array(RuleView) });
export type RuleListReply = z.infer<typeof RuleListReply>;

/** Instances a rule preview lists at most; `total` counts them all. */
export const PREVIEW_MAX_INSTANCES = 100;

/** Evaluate one proposed rule (not saved) against the data alert-svc can read now. */
export const PreviewRuleRequest = z.object({ rule: AlertRule });
export type PreviewRuleRequest = z.input<typeof PreviewRuleRequest>;

/** One alert the proposed rule would have now: the live evaluation's labels, its state given `for`. */
export const PreviewInstance = z.object({
  fingerprint: z.string().max(128),
  labels: z.record(z.string(), z.string()),
  /** The node the alert is about, when its labels name one. */
  node: z.string().max(256).optional(),
  state: z.enum(['pending', 'firing']),
  /** The value of the condition (threshold rules); null for the kinds without one. */
  value: z.number().nullable(),
  /** Since when the condition holds (as far back as the preview read). */
  activeAt: IsoTimestamp,
  /** When a pending alert would fire if the condition keeps holding. */
  firesAt: IsoTimestamp.optional(),
  annotations: z.record(z.string(), z.string()),
});
export type PreviewInstance = z.infer<typeof PreviewInstance>;

export const PreviewRuleReply = z.object({
  /** Firing first, then pending; at most PREVIEW_MAX_INSTANCES. */
  instances: z.array(PreviewInstance).max(PREVIEW_MAX_INSTANCES),
  /** Every instance, also those not listed. */
  total: z.number().int().min(0),
  firing: z.number().int().min(0),
  pending: z.number().int().min(0),
  /** The time the rule was evaluated at. */
  evaluatedAt: IsoTimestamp,
  /** The oldest data read (samples received since, or the whole event history: null). */
  readFrom: IsoTimestamp.nullable(),
  /**
   * False when the read was cut short (its time budget, or a `for` longer than the history a
   * preview reads): an instance may be missing, or shown pending that has held longer.
   */
  complete: z.boolean(),
  /** Sample batches or events read. */
  read: z.number().int().min(0),
});
export type PreviewRuleReply = z.infer<typeof PreviewRuleReply>;

/** The request/reply operations on alert rules (`cmd.alerting.*`, `qry.alerting.*`). */
export const ruleOperations = {
  apply: { kind: 'cmd', context: 'alerting', what: 'rules-apply', request: ApplyRulesRequest, reply: ApplyRulesReply },
  upsert: { kind: 'cmd', context: 'alerting', what: 'rule-upsert', request: UpsertRuleRequest, reply: RuleChange },
  enable: { kind: 'cmd', context: 'alerting', what: 'rule-enable', request: RuleIdRequest, reply: RuleChange },
  disable: { kind: 'cmd', context: 'alerting', what: 'rule-disable', request: RuleIdRequest, reply: RuleChange },
  delete: { kind: 'cmd', context: 'alerting', what: 'rule-delete', request: RuleIdRequest, reply: RuleChange },
  list: { kind: 'qry', context: 'alerting', what: 'rules-list', request: z.object({}), reply: RuleListReply },
  preview: {
    kind: 'qry',
    context: 'alerting',
    what: 'rule-preview',
    request: PreviewRuleRequest,
    reply: PreviewRuleReply,
  },
} as const;
