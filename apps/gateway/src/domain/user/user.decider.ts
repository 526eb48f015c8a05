import { IllegalStateError, NotFoundError, type Role, type UserEvent } from '@vigil/contracts';
import type { Decider, NewEvent } from '@vigil/event-store';

/** `sso`: the OpenID Provider identity a single sign-on user signs in as (such a user has no password). */
export type UserState =
  | { exists: false }
  | { exists: true; username: string; role: Role; disabled: boolean; sso?: { issuer: string; subject: string } };

export type UserCommand =
  | { type: 'CreateUser'; username: string; role: Role }
  /** A user who signs in only through an OpenID Provider, as `issuer` + `subject`. */
  | { type: 'CreateSsoUser'; username: string; role: Role; issuer: string; subject: string }
  | { type: 'ChangeRole'; username: string; role: Role }
  | { type: 'DisableUser'; username: string }
  /** `reset`: an admin sets it; otherwise the user changes their own (the current one checked before). */
  | { type: 'ChangePassword'; username: string; reset: boolean };

export const initialUserState = (): UserState => ({ exists: false });

export function evolveUser(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case 'user.created':
      return { exists: true, username: event.data.username, role: event.data.role, disabled: false };
    case 'user.role_changed':
      return state.exists ? { ...state, role: event.data.role } : state;
    case 'user.disabled':
      return state.exists ? { ...state, disabled: true } : state;
    case 'user.password_changed':
      return state;
    case 'user.sso_linked':
      return state.exists ? { ...state, sso: { issuer: event.data.issuer, subject: event.data.subject } } : state;
    default: {
      const never: never = event;
      return never;
    }
  }
}

function existing(state: UserState, username: string): Extract<UserState, { exists: true }> {
  if (!state.exists) throw new NotFoundError(`no user "${username}"`);
  return state;
}

function active(state: UserState, username: string): Extract<UserState, { exists: true }> {
  const user = existing(state, username);
  if (user.disabled) throw new IllegalStateError(`user "${username}" is disabled`);
  return user;
}

export function decideUser(command: UserCommand, state: UserState): NewEvent<UserEvent>[] {
  switch (command.type) {
    case 'CreateUser':
      if (state.exists) throw new IllegalStateError(`user "${command.username}" exists`);
      return [{ type: 'user.created', data: { username: command.username, role: command.role } }];
    case 'CreateSsoUser': {
      if (state.exists) throw new IllegalStateError(`user "${command.username}" exists`);
      const { username, role, issuer, subject } = command;
      return [
        { type: 'user.created', data: { username, role } },
        { type: 'user.sso_linked', data: { username, issuer, subject } },
      ];
    }
    case 'ChangeRole': {
      const user = active(state, command.username);
      if (user.role === command.role) return [];
      return [
        {
          type: 'user.role_changed',
          data: { username: command.username, role: command.role, previousRole: user.role },
        },
      ];
    }
    case 'DisableUser':
      // Disabling twice is not an error: the user is disabled either way.
      if (existing(state, command.username).disabled) return [];
      return [{ type: 'user.disabled', data: { username: command.username } }];
    case 'ChangePassword':
      if (active(state, command.username).sso)
        throw new IllegalStateError(`user "${command.username}" signs in through single sign-on and has no password`);
      return [{ type: 'user.password_changed', data: { username: command.username, reset: command.reset } }];
    default: {
      const never: never = command;
      return never;
    }
  }
}

export const userDecider: Decider<UserEvent, UserState, UserCommand> = {
  decide: decideUser,
  evolve: evolveUser,
  initialState: initialUserState,
};
