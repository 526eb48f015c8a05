import * as z from 'zod';
import { IsoTimestamp, Labels } from '../common.schema';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';
import { RuleId } from './rule.schema';

/**
 * One alert: one rule's condition for one label set, its aggregate id the fingerprint of
 * (rule id, labels) (`events.alert.<fingerprint>`). Every transition of its state machine
 * (inactive → pending → firing → resolved) is an event; the state, `for` and
 * `keep_firing_for` progress included, can be rebuilt from them.
 */
const AlertIdentity = {
  ruleId: RuleId,
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  /** The alert's labels: the series' (or group's) labels, the rule's, `alertname` and `severity`. */
  labels: Labels,
};

/** The condition holds; it fires once it has held for the rule's `for` (at `firesAt`). */
export const AlertPending = defineEvent('alert.pending', {
  version: 1,
  schema: z.object({ ...AlertIdentity, activeAt: IsoTimestamp, firesAt: IsoTimestamp, value: z.number().nullable() }),
});

/** The condition held for `for`: notifications go out. */
export const AlertFiring = defineEvent('alert.firing', {
  version: 1,
  schema: z.object({
    ...AlertIdentity,
    activeAt: IsoTimestamp,
    firedAt: IsoTimestamp,
    value: z.number().nullable(),
    annotations: z.record(z.string(), z.string()),
  }),
});

/**
 * The condition stopped holding (and `keep_firing_for` ran out), or the rule changed or went
 * away. `wasFiring` says whether a resolved notification is due.
 */
export const AlertResolved = defineEvent('alert.resolved', {
  version: 1,
  schema: z.object({
    ...AlertIdentity,
    resolvedAt: IsoTimestamp,
    wasFiring: z.boolean(),
    reason: z.enum(['condition_cleared', 'rule_changed', 'rule_disabled', 'rule_deleted', 'series_gone']),
  }),
});

export type AlertPendingEvent = EventOf<typeof AlertPending>;
export type AlertFiringEvent = EventOf<typeof AlertFiring>;
export type AlertResolvedEvent = EventOf<typeof AlertResolved>;
export type AlertEvent = AlertPendingEvent | AlertFiringEvent | AlertResolvedEvent;

export const alertEvents = new EventCatalog<AlertEvent>([AlertPending, AlertFiring, AlertResolved]);
