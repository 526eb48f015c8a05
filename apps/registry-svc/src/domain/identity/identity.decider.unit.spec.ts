import type { IdentityEvent } from '@vigil/contracts';
import type { NewEvent } from '@vigil/event-store';
import { deciderSpec } from '@vigil/test-support';
import { decideIdentity, evolveIdentity, type IdentityCommand, initialIdentityState } from './identity.decider';

const { given } = deciderSpec(
  { decide: decideIdentity, evolve: evolveIdentity, initialState: initialIdentityState },
  { subject: 'identity.n1', occurredAt: '2026-11-22T10:00:00.000Z', actor: 'test' },
);
const enroll = (publicKey: string): IdentityCommand => ({
  type: 'Enroll',
  nodeId: 'n1',
  publicKey,
  tokenId: 't',
  hostname: 'h',
});
const enrolled = (publicKey: string): NewEvent<IdentityEvent> => ({
  type: 'identity.enrolled',
  data: { nodeId: 'n1', publicKey, tokenId: 't', hostname: 'h' },
});
const revoked: NewEvent<IdentityEvent> = { type: 'identity.revoked', data: { nodeId: 'n1', reason: 'stolen' } };

describe('identity decider', () => {
  it('enrolls a node once, idempotently for the same key', () => {
    given()
      .when(enroll('K1'))
      .then([enrolled('K1')]);
    given(enrolled('K1')).when(enroll('K1')).then([]);
  });

  it('refuses another key for an enrolled node, and any enrollment of a revoked one', () => {
    given(enrolled('K1'))
      .when(enroll('K2'))
      .thenThrows(/already enrolled with another key/);
    given(enrolled('K1'), revoked)
      .when(enroll('K1'))
      .thenThrows(/revoked/);
  });

  it('revokes once', () => {
    given(enrolled('K1')).when({ type: 'Revoke', nodeId: 'n1', reason: 'stolen' }).then([revoked]);
    given(enrolled('K1'), revoked).when({ type: 'Revoke', nodeId: 'n1', reason: 'again' }).then([]);
  });
});
