import { type IdentityEvent, IllegalStateError } from '@vigil/contracts';
import type { NewEvent } from '@vigil/event-store';

export interface IdentityState {
  publicKey: string | null;
  revoked: boolean;
}

export type IdentityCommand =
  | { type: 'Enroll'; nodeId: string; publicKey: string; tokenId: string; hostname: string }
  | { type: 'Revoke'; nodeId: string; reason: string };

export const initialIdentityState = (): IdentityState => ({ publicKey: null, revoked: false });

export function evolveIdentity(state: IdentityState, event: IdentityEvent): IdentityState {
  switch (event.type) {
    case 'identity.enrolled':
      return { ...state, publicKey: event.data.publicKey };
    case 'identity.revoked':
      return { ...state, revoked: true };
    default: {
      const never: never = event;
      return never;
    }
  }
}

/** A node enrolls once, with one key; a revoked node stays revoked (a new node id enrolls anew). */
export function decideIdentity(command: IdentityCommand, state: IdentityState): NewEvent<IdentityEvent>[] {
  switch (command.type) {
    case 'Enroll':
      if (state.revoked) throw new IllegalStateError(`node ${command.nodeId} is revoked`);
      if (state.publicKey === command.publicKey) return [];
      if (state.publicKey) throw new IllegalStateError(`node ${command.nodeId} is already enrolled with another key`);
      return [
        {
          type: 'identity.enrolled',
          data: {
            nodeId: command.nodeId,
            publicKey: command.publicKey,
            tokenId: command.tokenId,
            hostname: command.hostname,
          },
        },
      ];
    case 'Revoke':
      if (state.revoked) return [];
      return [{ type: 'identity.revoked', data: { nodeId: command.nodeId, reason: command.reason } }];
    default: {
      const never: never = command;
      return never;
    }
  }
}
