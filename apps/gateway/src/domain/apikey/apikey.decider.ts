import { type ApiKeyEvent, IllegalStateError, type Labels, NotFoundError, type Role } from '@vigil/contracts';
import type { Decider, NewEvent } from '@vigil/event-store';

export type ApiKeyState = { exists: false } | { exists: true; revoked: boolean };

export type ApiKeyCommand =
  | { type: 'CreateKey'; keyId: string; name: string; role: Role; expiresAt: string; scope?: Labels }
  | { type: 'RevokeKey'; keyId: string };

export const initialApiKeyState = (): ApiKeyState => ({ exists: false });

export function evolveApiKey(state: ApiKeyState, event: ApiKeyEvent): ApiKeyState {
  switch (event.type) {
    case 'apikey.created':
      return { exists: true, revoked: false };
    case 'apikey.revoked':
      return state.exists ? { ...state, revoked: true } : state;
    default: {
      const never: never = event;
      return never;
    }
  }
}

export function decideApiKey(command: ApiKeyCommand, state: ApiKeyState): NewEvent<ApiKeyEvent>[] {
  switch (command.type) {
    case 'CreateKey': {
      if (state.exists) throw new IllegalStateError(`API key ${command.keyId} exists`);
      const { keyId, name, role, expiresAt, scope } = command;
      return [{ type: 'apikey.created', data: { keyId, name, role, expiresAt, ...(scope ? { scope } : {}) } }];
    }
    case 'RevokeKey':
      if (!state.exists) throw new NotFoundError(`no API key ${command.keyId}`);
      // Revoking twice is not an error: the key is revoked either way.
      return state.revoked ? [] : [{ type: 'apikey.revoked', data: { keyId: command.keyId } }];
    default: {
      const never: never = command;
      return never;
    }
  }
}

export const apiKeyDecider: Decider<ApiKeyEvent, ApiKeyState, ApiKeyCommand> = {
  decide: decideApiKey,
  evolve: evolveApiKey,
  initialState: initialApiKeyState,
};
