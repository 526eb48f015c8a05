import type { AlertEvent, AlertResolvedEvent } from '@vigil/contracts';
import type { NewEvent } from '@vigil/event-store';

/**
 * One alert's state machine: inactive → pending → firing → resolved (→ inactive). `for` and
 * `keep_firing_for` are deadlines held in the state, so a timer (not the next sample) fires
 * an alert when its window closes, and the events alone rebuild the pending and firing
 * state after a restart. Times are Unix ms; the clock is the caller's.
 */
export type AlertState =
  | { status: 'inactive' }
  | { status: 'pending'; activeAt: number; firesAt: number; value: number | null }
  | {
      status: 'firing';
      activeAt: number;
      firedAt: number;
      value: number | null;
      /** When the condition stopped holding (keep_firing_for runs from here); not an event. */
      clearedAt: number | null;
    };

export interface AlertIdentity {
  ruleId: string;
  fingerprint: string;
  labels: Record<string, string>;
}

export interface AlertTiming {
  forMs: number;
  keepFiringForMs: number;
}

export type AlertCommand =
  /** The rule's condition evaluated at `at`. */
  | { type: 'Observe'; at: number; holds: boolean; value: number | null; annotations: Record<string, string> }
  /** A deadline may have passed (the `for` window closed, keep_firing_for ran out). */
  | { type: 'Tick'; at: number; annotations: Record<string, string> }
  /** The rule changed, was disabled or deleted, or the series went away. */
  | { type: 'End'; at: number; reason: Exclude<AlertResolvedEvent['data']['reason'], 'condition_cleared'> };

export const initialAlertState = (): AlertState => ({ status: 'inactive' });

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

export function evolveAlert(state: AlertState, event: AlertEvent): AlertState {
  switch (event.type) {
    case 'alert.pending':
      return {
        status: 'pending',
        activeAt: ms(event.data.activeAt),
        firesAt: ms(event.data.firesAt),
        value: event.data.value,
      };
    case 'alert.firing':
      return {
        status: 'firing',
        activeAt: ms(event.data.activeAt),
        firedAt: ms(event.data.firedAt),
        value: event.data.value,
        clearedAt: null,
      };
    case 'alert.resolved':
      return { status: 'inactive' };
    default: {
      const never: never = event;
      return never;
    }
  }
}

/** When the state next needs a Tick, if ever (the caller's timer). */
export function nextDeadline(state: AlertState, timing: AlertTiming): number | undefined {
  if (state.status === 'pending') return state.firesAt;
  if (state.status === 'firing' && state.clearedAt !== null) return state.clearedAt + timing.keepFiringForMs;
  return undefined;
}

/**
 * Applies what is not an event to the state (the value and keep_firing_for's start): the
 * caller keeps the result along with the events' state.
 */
export function observeAlert(state: AlertState, command: AlertCommand): AlertState {
  if (command.type !== 'Observe' || state.status === 'inactive') return state;
  if (state.status === 'pending') return command.holds ? { ...state, value: command.value } : state;
  if (command.holds) return { ...state, value: command.value, clearedAt: null };
  return state.clearedAt === null ? { ...state, clearedAt: command.at } : state;
}

export function decideAlert(
  command: AlertCommand,
  state: AlertState,
  id: AlertIdentity,
  timing: AlertTiming,
): NewEvent<AlertEvent>[] {
  const base = { ruleId: id.ruleId, fingerprint: id.fingerprint, labels: id.labels };
  const resolved = (
    at: number,
    wasFiring: boolean,
    reason: AlertResolvedEvent['data']['reason'],
  ): NewEvent<AlertEvent> => ({
    type: 'alert.resolved',
    data: { ...base, resolvedAt: iso(at), wasFiring, reason },
  });
  const firing = (
    activeAt: number,
    at: number,
    value: number | null,
    annotations: Record<string, string>,
  ): NewEvent<AlertEvent> => ({
    type: 'alert.firing',
    data: { ...base, activeAt: iso(activeAt), firedAt: iso(at), value, annotations },
  });
  switch (command.type) {
    case 'Observe': {
      const { at, holds, value } = command;
      if (state.status === 'inactive') {
        if (!holds) return [];
        if (timing.forMs === 0) return [firing(at, at, value, command.annotations)];
        return [
          { type: 'alert.pending', data: { ...base, activeAt: iso(at), firesAt: iso(at + timing.forMs), value } },
        ];
      }
      if (state.status === 'pending') {
        if (!holds) return [resolved(at, false, 'condition_cleared')];
        return at >= state.firesAt ? [firing(state.activeAt, at, value, command.annotations)] : [];
      }
      // Firing: it resolves once the condition has not held for keep_firing_for.
      if (holds) return [];
      const clearedAt = state.clearedAt ?? at;
      return at >= clearedAt + timing.keepFiringForMs ? [resolved(at, true, 'condition_cleared')] : [];
    }
    case 'Tick': {
      const { at } = command;
      if (state.status === 'pending' && at >= state.firesAt)
        return [firing(state.activeAt, at, state.value, command.annotations)];
      if (state.status === 'firing' && state.clearedAt !== null && at >= state.clearedAt + timing.keepFiringForMs) {
        return [resolved(at, true, 'condition_cleared')];
      }
      return [];
    }
    case 'End':
      return state.status === 'inactive' ? [] : [resolved(command.at, state.status === 'firing', command.reason)];
    default: {
      const never: never = command;
      return never;
    }
  }
}
