import * as z from 'zod';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';
import { AlertRule, RuleId } from './rule.schema';

/**
 * The life of an alert rule, one aggregate per rule id (`events.rule.<id>`). Who made each
 * change is the envelope's `meta.actor`. `rule` is the whole rule as validated (durations in
 * milliseconds), so any event alone says what the rule was from then on.
 */
export const RuleCreated = defineEvent('rule.created', { version: 1, schema: z.object({ rule: AlertRule }) });
export const RuleUpdated = defineEvent('rule.updated', { version: 1, schema: z.object({ rule: AlertRule }) });
export const RuleEnabled = defineEvent('rule.enabled', { version: 1, schema: z.object({ ruleId: RuleId }) });
export const RuleDisabled = defineEvent('rule.disabled', { version: 1, schema: z.object({ ruleId: RuleId }) });
export const RuleDeleted = defineEvent('rule.deleted', { version: 1, schema: z.object({ ruleId: RuleId }) });

export type RuleCreatedEvent = EventOf<typeof RuleCreated>;
export type RuleUpdatedEvent = EventOf<typeof RuleUpdated>;
export type RuleEnabledEvent = EventOf<typeof RuleEnabled>;
export type RuleDisabledEvent = EventOf<typeof RuleDisabled>;
export type RuleDeletedEvent = EventOf<typeof RuleDeleted>;
export type RuleEvent = RuleCreatedEvent | RuleUpdatedEvent | RuleEnabledEvent | RuleDisabledEvent | RuleDeletedEvent;

export const ruleEvents = new EventCatalog<RuleEvent>([
  RuleCreated,
  RuleUpdated,
  RuleEnabled,
  RuleDisabled,
  RuleDeleted,
]);
