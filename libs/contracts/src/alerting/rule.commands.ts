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

/** The request/reply operations on alert rules (`cmd.alerting.*`, `qry.alerting.*`). */
export const ruleOperations = {
  apply: { kind: 'cmd', context: 'alerting', what: 'rules-apply', request: ApplyRulesRequest, reply: ApplyRulesReply },
  upsert: { kind: 'cmd', context: 'alerting', what: 'rule-upsert', request: UpsertRuleRequest, reply: RuleChange },
  enable: { kind: 'cmd', context: 'alerting', what: 'rule-enable', request: RuleIdRequest, reply: RuleChange },
  disable: { kind: 'cmd', context: 'alerting', what: 'rule-disable', request: RuleIdRequest, reply: RuleChange },
  delete: { kind: 'cmd', context: 'alerting', what: 'rule-delete', request: RuleIdRequest, reply: RuleChange },
  list: { kind: 'qry', context: 'alerting', what: 'rules-list', request: z.object({}), reply: RuleListReply },
} as const;
