import * as z from 'zod';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';
import { RuleId, StoredAlertRule } from './rule.schema';

/**
 * The life of an alert rule, one aggregate per rule id (`events.rule.<id>`). Who made each
 * change is the envelope's `meta.actor`. `rule` is the whole rule as validated (durations in
 * milliseconds), so any event alone says what the rule was from then on. It is read as a
 * StoredAlertRule: an event written under an earlier contract stays readable when today's
 * refuses its rule (a pattern RE2 refuses), so the rule can still be updated or deleted. What is
 * written is validated by the requests' contract (AlertRule) before it gets here.
 */
export const RuleCreated = defineEvent('rule.created', { version: 1, schema: z.object({ rule: StoredAlertRule }) });
export const RuleUpdated = defineEvent('rule.updated', { version: 1, schema: z.object({ rule: StoredAlertRule }) });
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
