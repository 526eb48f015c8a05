import { type IdentityEvent, IllegalStateError } from '@vigil/contracts';
import type { NewEvent } from '@vigil/event-store';

export interface IdentityState {
  publicKey: string | null;
  revoked: boolean;
  /** An admin allowed the next enrollment to bring a new key (`identity.rekey_allowed`). */
  rekeyAllowed: boolean;
}

export type IdentityCommand =
  | {
      type: 'Enroll';
      nodeId: string;
      publicKey: string;
      tokenId: string;
      hostname: string;
      /** The token (bound to this node) was spent before: only a retry of that enrollment passes. */
      tokenUsed: boolean;
    }
  | { type: 'Revoke'; nodeId: string; reason: string }
  | { type: 'AllowRekey'; nodeId: string; reason: string };

export const initialIdentityState = (): IdentityState => ({ publicKey: null, revoked: false, rekeyAllowed: false });

export function evolveIdentity(state: IdentityState, event: IdentityEvent): IdentityState {
  switch (event.type) {
    case 'identity.enrolled':
      return { publicKey: event.data.publicKey, revoked: false, rekeyAllowed: false };
    case 'identity.revoked':
      return { ...state, revoked: true, rekeyAllowed: false };
    case 'identity.rekey_allowed':
      return { ...state, rekeyAllowed: true };
    default: {
      const never: never = event;
      return never;
    }
  }
}

/**
 * A node enrolls with one key. Another key (or any key after a revocation) needs an admin's
 * re-key first, which allows exactly one enrollment; a revoked key never comes back.
 */
export function decideIdentity(command: IdentityCommand, state: IdentityState): NewEvent<IdentityEvent>[] {
  switch (command.type) {
    case 'Enroll': {
      if (!state.revoked && state.publicKey === command.publicKey) return [];
      if (command.tokenUsed) throw new IllegalStateError('enrollment token already used');
      if (state.revoked && !state.rekeyAllowed) throw new IllegalStateError(`node ${command.nodeId} is revoked`);
      if (state.publicKey && !state.rekeyAllowed) {
        throw new IllegalStateError(
          `node ${command.nodeId} is already enrolled with another key (an admin must re-key it first)`,
        );
      }
      if (state.revoked && state.publicKey === command.publicKey) {
        throw new IllegalStateError(`node ${command.nodeId}: a revoked key cannot enroll again`);
      }
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
    }
    case 'Revoke':
      if (state.revoked) return [];
      return [{ type: 'identity.revoked', data: { nodeId: command.nodeId, reason: command.reason } }];
    case 'AllowRekey':
      if (!state.publicKey && !state.revoked) {
        throw new IllegalStateError(`node ${command.nodeId} has no key to replace: enroll it with a token`);
      }
      if (state.rekeyAllowed) return [];
      return [{ type: 'identity.rekey_allowed', data: { nodeId: command.nodeId, reason: command.reason } }];
    default: {
      const never: never = command;
      return never;
    }
  }
}
