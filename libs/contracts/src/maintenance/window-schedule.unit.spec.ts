import type { MaintenanceWindow, MaintenanceWindowEvent } from './maintenance-window.schema';
import { WindowSchedule, windowState, windowTimes } from './window-schedule';

const T = Date.parse('2026-12-01T10:00:00.000Z');
const M = 60_000;

function win(id: string, from: number, to: number, matchers: MaintenanceWindow['matchers']): MaintenanceWindow {
  return {
    id: `0190a000-0000-7000-8000-00000000000${id}`,
    reason: `window ${id}`,
    matchers,
    startsAt: new Date(from).toISOString(),
    endsAt: new Date(to).toISOString(),
    createdBy: 'user:ana',
  };
}
const scheduled = (window: MaintenanceWindow): MaintenanceWindowEvent =>
  ({ type: 'maintenance_window.scheduled', data: { window } }) as MaintenanceWindowEvent;
const cancelled = (window: MaintenanceWindow, at: number): MaintenanceWindowEvent =>
  ({
    type: 'maintenance_window.cancelled',
    data: { windowId: window.id, at: new Date(at).toISOString() },
  }) as MaintenanceWindowEvent;

const rack7 = win('1', T, T + 60 * M, [{ label: 'rack', op: '=', value: '7' }]);
const webs = win('2', T + 30 * M, T + 90 * M, [{ label: 'role', op: '=~', value: 'web|api' }]);
const web = { rack: '7', role: 'web' };

describe('maintenance window schedule', () => {
  it('holds a node over [startsAt, endsAt): in at the start, out at the end', () => {
    const s = new WindowSchedule();
    s.apply(scheduled(rack7));
    expect(s.holding('n1', web, T - 1)).toEqual([]);
    expect(s.holding('n1', web, T).map((w) => w.id)).toEqual([rack7.id]);
    expect(s.holding('n1', web, T + 60 * M - 1)).toHaveLength(1);
    expect(s.holding('n1', web, T + 60 * M)).toEqual([]);
    expect(s.holding('n2', { rack: '8' }, T + M)).toEqual([]);
  });

  it('keeps a node in maintenance through overlapping windows until the last one ends', () => {
    const s = new WindowSchedule();
    s.apply(scheduled(rack7));
    s.apply(scheduled(webs));
    expect(s.holding('n1', web, T + 45 * M)).toHaveLength(2);
    expect(s.holding('n1', web, T + 60 * M).map((w) => w.id)).toEqual([webs.id]);
    expect(s.holding('n1', web, T + 90 * M)).toEqual([]);
    expect(s.nextBoundary(T - 1)).toBe(T);
    expect(s.nextBoundary(T)).toBe(T + 30 * M);
    expect(s.nextBoundary(T + 30 * M)).toBe(T + 60 * M);
    expect(s.nextBoundary(T + 90 * M)).toBeUndefined();
  });

  it('holds a node that joins in the middle of a window, from its labels alone', () => {
    const s = new WindowSchedule();
    s.apply(scheduled(rack7));
    // No event names the node: the window selects whoever has its labels while it is active.
    expect(s.holding('joined-later', { rack: '7' }, T + 40 * M)).toHaveLength(1);
    expect(s.holding('joined-later', { rack: '7' }, T + 60 * M)).toHaveLength(0);
  });

  it('stops a cancelled window at its cancellation, and one cancelled before its start never holds', () => {
    const s = new WindowSchedule();
    s.apply(scheduled(rack7));
    s.apply(scheduled(webs));
    s.apply(cancelled(rack7, T + 10 * M));
    s.apply(cancelled(webs, T + 5 * M));
    expect(s.holding('n1', web, T + 9 * M)).toHaveLength(1);
    expect(s.holding('n1', web, T + 10 * M)).toEqual([]);
    expect(s.holding('n1', web, T + 45 * M)).toEqual([]);
    expect(s.nextBoundary(T + 10 * M)).toBeUndefined();
    const w = windowTimes(webs, new Date(T + 5 * M).toISOString());
    expect([windowState(w, T), windowState(w, T + 40 * M)]).toEqual(['cancelled', 'cancelled']);
    expect([T - 1, T, T + 60 * M].map((t) => windowState(windowTimes(rack7), t))).toEqual([
      'scheduled',
      'active',
      'ended',
    ]);
  });

  it('reads the node id as the `node` label and forgets windows that stopped', () => {
    const s = new WindowSchedule();
    s.apply(scheduled(win('3', T, T + M, [{ label: 'node', op: '=', value: 'db-1' }])));
    expect(s.holding('db-1', {}, T)).toHaveLength(1);
    expect(s.holding('db-2', {}, T)).toEqual([]);
    s.prune(T + 2 * M);
    expect(s.size).toBe(0);
  });
});
