import { type AlertRule, NotFoundError, type RuleEvent } from '@vigil/contracts';
import type { Decider, NewEvent } from '@vigil/event-store';
import { sameRule } from './rule-diff';

export type RuleState = { exists: false } | { exists: true; rule: AlertRule; deleted: boolean };

export type RuleCommand =
  /** Create the rule, or make it what `rule` says (no event when it already is). */
  | { type: 'UpsertRule'; rule: AlertRule }
  /** Create the rule only if it never existed (the default pack: a rule an operator deleted stays deleted). */
  | { type: 'SeedRule'; rule: AlertRule }
  | { type: 'EnableRule'; ruleId: string }
  | { type: 'DisableRule'; ruleId: string }
  | { type: 'DeleteRule'; ruleId: string };

export const initialRuleState = (): RuleState => ({ exists: false });

export function evolveRule(state: RuleState, event: RuleEvent): RuleState {
  switch (event.type) {
    case 'rule.created':
    case 'rule.updated':
      return { exists: true, rule: event.data.rule, deleted: false };
    case 'rule.enabled':
    case 'rule.disabled':
      if (!state.exists) return state;
      return { ...state, rule: { ...state.rule, enabled: event.type === 'rule.enabled' } };
    case 'rule.deleted':
      if (!state.exists) return state;
      return { ...state, deleted: true };
    default: {
      const never: never = event;
      return never;
    }
  }
}

function live(state: RuleState, ruleId: string): Extract<RuleState, { exists: true }> {
  if (!state.exists || state.deleted) throw new NotFoundError(`no alert rule "${ruleId}"`);
  return state;
}

export function decideRule(command: RuleCommand, state: RuleState): NewEvent<RuleEvent>[] {
  switch (command.type) {
    case 'UpsertRule': {
      const { rule } = command;
      if (!state.exists || state.deleted) return [{ type: 'rule.created', data: { rule } }];
      return sameRule(state.rule, rule) ? [] : [{ type: 'rule.updated', data: { rule } }];
    }
    case 'SeedRule':
      return state.exists ? [] : [{ type: 'rule.created', data: { rule: command.rule } }];
    case 'EnableRule':
      return live(state, command.ruleId).rule.enabled
        ? []
        : [{ type: 'rule.enabled', data: { ruleId: command.ruleId } }];
    case 'DisableRule':
      return live(state, command.ruleId).rule.enabled
        ? [{ type: 'rule.disabled', data: { ruleId: command.ruleId } }]
        : [];
    case 'DeleteRule':
      // Deleting twice is not an error: the rule is gone either way.
      if (state.exists && state.deleted) return [];
      live(state, command.ruleId);
      return [{ type: 'rule.deleted', data: { ruleId: command.ruleId } }];
    default: {
      const never: never = command;
      return never;
    }
  }
}

export const ruleDecider: Decider<RuleEvent, RuleState, RuleCommand> = {
  decide: decideRule,
  evolve: evolveRule,
  initialState: initialRuleState,
};
