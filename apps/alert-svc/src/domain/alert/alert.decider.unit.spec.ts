import type { AlertEvent } from '@vigil/contracts';
import type { NewEvent } from '@vigil/event-store';
import { deciderSpec } from '@vigil/test-support';
import {
  type AlertCommand,
  type AlertState,
  type AlertTiming,
  decideAlert,
  evolveAlert,
  initialAlertState,
  nextDeadline,
  observeAlert,
} from './alert.decider';

const id = {
  ruleId: 'high-cpu',
  fingerprint: '0123456789abcdef',
  labels: { alertname: 'HighCPU', node: 'n1', severity: 'warning' },
};
const T = Date.UTC(2026, 11, 3, 10);
const S = 1000;
const iso = (t: number) => new Date(t).toISOString();
const annotations = { summary: 'CPU high on n1' };

/**
 * Runs commands through the machine as alert-svc does: decide, append (here: evolve), and
 * keep what is not an event (observeAlert). Returns every event in order.
 */
function run(timing: AlertTiming, commands: AlertCommand[], start: AlertState = initialAlertState()) {
  let state = start;
  const events: NewEvent<AlertEvent>[] = [];
  for (const c of commands) {
    const decided = decideAlert(c, state, id, timing);
    for (const e of decided)
      state = evolveAlert(state, {
        ...e,
        id: '0',
        version: 1,
        subject: 'alert.x',
        occurredAt: iso(c.at),
        meta: { correlationId: 'c', causationId: null, actor: 't' },
      } as AlertEvent);
    state = observeAlert(state, c);
    events.push(...decided);
  }
  return { events, state };
}
const observe = (at: number, holds: boolean, value: number | null = holds ? 95 : 50): AlertCommand => ({
  type: 'Observe',
  at,
  holds,
  value,
  annotations,
});
const tick = (at: number): AlertCommand => ({ type: 'Tick', at, annotations });
const fiveMinutes = { forMs: 300 * S, keepFiringForMs: 0 };

/** given(events).when(command).then(events), for a rule with a five-minute `for`. */
const { given } = deciderSpec(
  {
    decide: (command: AlertCommand, state: AlertState) => decideAlert(command, state, id, fiveMinutes),
    evolve: evolveAlert,
    initialState: initialAlertState,
  },
  { subject: 'alert.x', occurredAt: iso(T), actor: 't' },
);

describe('alert state machine', () => {
  it('goes pending when the condition holds and fires when the for window closes, by a tick', () => {
    const { events, state } = run(fiveMinutes, [observe(T, true), observe(T + 60 * S, true, 97), tick(T + 300 * S)]);
    expect(events).toEqual([
      { type: 'alert.pending', data: { ...id, activeAt: iso(T), firesAt: iso(T + 300 * S), value: 95 } },
      { type: 'alert.firing', data: { ...id, activeAt: iso(T), firedAt: iso(T + 300 * S), value: 97, annotations } },
    ]);
    expect(state).toMatchObject({ status: 'firing', firedAt: T + 300 * S });
  });

  it('does not fire before the window closes, and goes back to inactive when the condition clears while pending', () => {
    const { events, state } = run(fiveMinutes, [observe(T, true), tick(T + 299 * S), observe(T + 299.5 * S, false)]);
    expect(events.map((e) => e.type)).toEqual(['alert.pending', 'alert.resolved']);
    expect(events[1].data).toMatchObject({ wasFiring: false, reason: 'condition_cleared' });
    expect(state).toEqual({ status: 'inactive' });
  });

  it('fires at once without a for, and resolves at once when the condition clears', () => {
    const { events } = run({ forMs: 0, keepFiringForMs: 0 }, [
      observe(T, true),
      observe(T + S, true),
      observe(T + 2 * S, false),
    ]);
    expect(events.map((e) => [e.type, 'resolvedAt' in e.data ? e.data.resolvedAt : e.data.activeAt])).toEqual([
      ['alert.firing', iso(T)],
      ['alert.resolved', iso(T + 2 * S)],
    ]);
  });

  it('keeps firing for keep_firing_for after the condition clears, and a flap in between changes nothing', () => {
    const damped = { forMs: 0, keepFiringForMs: 60 * S };
    const flapping = run(damped, [
      observe(T, true),
      observe(T + 10 * S, false),
      observe(T + 20 * S, true),
      observe(T + 30 * S, false),
      tick(T + 89 * S),
    ]);
    expect(flapping.events.map((e) => e.type)).toEqual(['alert.firing']);
    expect(nextDeadline(flapping.state, damped)).toBe(T + 90 * S);
    const resolved = run(damped, [tick(T + 90 * S)], flapping.state);
    expect(resolved.events).toEqual([
      {
        type: 'alert.resolved',
        data: { ...id, resolvedAt: iso(T + 90 * S), wasFiring: true, reason: 'condition_cleared' },
      },
    ]);
  });

  it('rebuilds pending and firing from its events alone, deadlines included', () => {
    const pending = run(fiveMinutes, [observe(T, true)]);
    // A restart: the state comes back from the stored events only.
    const rebuilt = given(...pending.events).state;
    expect(nextDeadline(rebuilt, fiveMinutes)).toBe(T + 300 * S);
    expect(run(fiveMinutes, [tick(T + 300 * S)], rebuilt).events.map((e) => e.type)).toEqual(['alert.firing']);
  });

  it('ends an active alert when its rule goes away, saying whether it had fired', () => {
    const fired = run({ forMs: 0, keepFiringForMs: 0 }, [observe(T, true)]).events;
    given(...fired)
      .when({ type: 'End', at: T + S, reason: 'rule_deleted' })
      .then([
        { type: 'alert.resolved', data: { ...id, resolvedAt: iso(T + S), wasFiring: true, reason: 'rule_deleted' } },
      ]);
    given().when({ type: 'End', at: T, reason: 'rule_disabled' }).then([]);
  });
});
