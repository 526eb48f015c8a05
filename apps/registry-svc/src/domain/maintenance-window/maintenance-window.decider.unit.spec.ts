import { IllegalStateError, type MaintenanceWindow, NotFoundError, ValidationError } from '@vigil/contracts';
import { deciderSpec } from '@vigil/test-support';
import { maintenanceWindowDecider } from './maintenance-window.decider';

const T = Date.parse('2026-12-01T10:00:00.000Z');
const H = 3_600_000;
const window: MaintenanceWindow = {
  id: '0190a000-0000-7000-8000-0000000000a1',
  reason: 'rack 7 power work',
  matchers: [{ label: 'rack', op: '=', value: '7' }],
  startsAt: new Date(T + H).toISOString(),
  endsAt: new Date(T + 2 * H).toISOString(),
  createdBy: 'user:ana',
};

/** given(events).when(command).then(events) */
const { given } = deciderSpec(maintenanceWindowDecider, {
  subject: `maintenance.${window.id}`,
  occurredAt: new Date(T).toISOString(),
  actor: 'user:ana',
});

const scheduled = { type: 'maintenance_window.scheduled', data: { window } } as const;
const cancelledAt = (t: number) =>
  ({ type: 'maintenance_window.cancelled', data: { windowId: window.id, at: new Date(t).toISOString() } }) as const;

describe('maintenance window decider', () => {
  it('schedules a window once', () => {
    given().when({ type: 'ScheduleWindow', window, now: T }).then([scheduled]);
    given(scheduled).when({ type: 'ScheduleWindow', window, now: T }).thenThrows(IllegalStateError);
  });

  it('refuses an end at or before the start, or already past, naming the field', () => {
    given()
      .when({ type: 'ScheduleWindow', window: { ...window, endsAt: window.startsAt }, now: T })
      .thenThrows(new ValidationError('invalid maintenance window: endsAt: must be after startsAt'));
    given()
      .when({ type: 'ScheduleWindow', window, now: T + 2 * H })
      .thenThrows(/endsAt: must be in the future/);
  });

  it('cancels a scheduled or an active window once, and not one that ended or does not exist', () => {
    given(scheduled)
      .when({ type: 'CancelWindow', windowId: window.id, now: T })
      .then([cancelledAt(T)]);
    given(scheduled)
      .when({ type: 'CancelWindow', windowId: window.id, now: T + 1.5 * H })
      .then([cancelledAt(T + 1.5 * H)]);
    given(scheduled, cancelledAt(T))
      .when({ type: 'CancelWindow', windowId: window.id, now: T + 1 })
      .thenThrows(/cancelled already/);
    given(scheduled)
      .when({ type: 'CancelWindow', windowId: window.id, now: T + 2 * H })
      .thenThrows(/has ended/);
    given().when({ type: 'CancelWindow', windowId: window.id, now: T }).thenThrows(NotFoundError);
  });
});
