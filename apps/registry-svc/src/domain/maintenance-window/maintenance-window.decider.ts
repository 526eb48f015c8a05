import {
  IllegalStateError,
  type MaintenanceWindow,
  type MaintenanceWindowEvent,
  NotFoundError,
  ValidationError,
} from '@vigil/contracts';
import type { Decider, NewEvent } from '@vigil/event-store';

export type MaintenanceWindowAggregate =
  { exists: false } | { exists: true; window: MaintenanceWindow; cancelledAt?: string };

export type MaintenanceWindowCommand =
  | { type: 'ScheduleWindow'; window: MaintenanceWindow; now: number }
  /** Stop it now (active), or let it never start (scheduled). */
  | { type: 'CancelWindow'; windowId: string; now: number };

export const initialWindowState = (): MaintenanceWindowAggregate => ({ exists: false });

export function evolveWindow(
  state: MaintenanceWindowAggregate,
  event: MaintenanceWindowEvent,
): MaintenanceWindowAggregate {
  switch (event.type) {
    case 'maintenance_window.scheduled':
      return { exists: true, window: event.data.window };
    case 'maintenance_window.cancelled':
      return state.exists ? { ...state, cancelledAt: event.data.at } : state;
    default: {
      const never: never = event;
      return never;
    }
  }
}

export function decideWindow(
  command: MaintenanceWindowCommand,
  state: MaintenanceWindowAggregate,
): NewEvent<MaintenanceWindowEvent>[] {
  switch (command.type) {
    case 'ScheduleWindow': {
      if (state.exists) throw new IllegalStateError(`maintenance window ${command.window.id} exists`);
      const starts = Date.parse(command.window.startsAt);
      const ends = Date.parse(command.window.endsAt);
      if (ends <= starts) throw new ValidationError('invalid maintenance window: endsAt: must be after startsAt');
      if (ends <= command.now) throw new ValidationError('invalid maintenance window: endsAt: must be in the future');
      return [{ type: 'maintenance_window.scheduled', data: { window: command.window } }];
    }
    case 'CancelWindow': {
      if (!state.exists) throw new NotFoundError(`no maintenance window ${command.windowId}`);
      if (state.cancelledAt !== undefined)
        throw new IllegalStateError(`maintenance window ${command.windowId} was cancelled already`);
      if (Date.parse(state.window.endsAt) <= command.now)
        throw new IllegalStateError(`maintenance window ${command.windowId} has ended`);
      return [
        {
          type: 'maintenance_window.cancelled',
          data: { windowId: command.windowId, at: new Date(command.now).toISOString() },
        },
      ];
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}

export const maintenanceWindowDecider: Decider<
  MaintenanceWindowEvent,
  MaintenanceWindowAggregate,
  MaintenanceWindowCommand
> = { decide: decideWindow, evolve: evolveWindow, initialState: initialWindowState };
