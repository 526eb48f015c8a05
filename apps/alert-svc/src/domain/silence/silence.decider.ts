import { IllegalStateError, NotFoundError, type Silence, type SilenceEvent, ValidationError } from '@vigil/contracts';
import type { Decider, NewEvent } from '@vigil/event-store';

export type SilenceState = { exists: false } | { exists: true; silence: Silence; expiredAt?: string };

export type SilenceCommand =
  | { type: 'CreateSilence'; silence: Silence; now: number }
  /** End it now (an operator's "expire"). */
  | { type: 'ExpireSilence'; silenceId: string; now: number };

export const initialSilenceState = (): SilenceState => ({ exists: false });

export function evolveSilence(state: SilenceState, event: SilenceEvent): SilenceState {
  switch (event.type) {
    case 'silence.created':
      return { exists: true, silence: event.data.silence };
    case 'silence.expired':
      return state.exists ? { ...state, expiredAt: event.data.at } : state;
    default: {
      const never: never = event;
      return never;
    }
  }
}

/** When a silence stops muting: its end, or when it was expired. */
export function silenceEnd(state: Extract<SilenceState, { exists: true }>): number {
  const ends = Date.parse(state.silence.endsAt);
  return state.expiredAt === undefined ? ends : Math.min(ends, Date.parse(state.expiredAt));
}

export function decideSilence(command: SilenceCommand, state: SilenceState): NewEvent<SilenceEvent>[] {
  switch (command.type) {
    case 'CreateSilence': {
      if (state.exists) throw new IllegalStateError(`silence ${command.silence.id} exists`);
      const { startsAt, endsAt } = command.silence;
      if (Date.parse(endsAt) <= Date.parse(startsAt))
        throw new ValidationError('invalid silence: endsAt: must be after startsAt');
      if (Date.parse(endsAt) <= command.now)
        throw new ValidationError('invalid silence: endsAt: must be in the future');
      return [{ type: 'silence.created', data: { silence: command.silence } }];
    }
    case 'ExpireSilence': {
      if (!state.exists) throw new NotFoundError(`no silence ${command.silenceId}`);
      if (silenceEnd(state) <= command.now)
        throw new IllegalStateError(`silence ${command.silenceId} has already expired`);
      return [
        { type: 'silence.expired', data: { silenceId: command.silenceId, at: new Date(command.now).toISOString() } },
      ];
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}

export const silenceDecider: Decider<SilenceEvent, SilenceState, SilenceCommand> = {
  decide: decideSilence,
  evolve: evolveSilence,
  initialState: initialSilenceState,
};
