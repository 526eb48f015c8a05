import type { IdentityEvent } from '@vigil/contracts';
import type { NewEvent } from '@vigil/event-store';
import { deciderSpec } from '@vigil/test-support';
import { decideIdentity, evolveIdentity, type IdentityCommand, initialIdentityState } from './identity.decider';

const { given } = deciderSpec(
  { decide: decideIdentity, evolve: evolveIdentity, initialState: initialIdentityState },
  { subject: 'identity.n1', occurredAt: '2026-11-22T10:00:00.000Z', actor: 'test' },
);
const enroll = (publicKey: string, tokenUsed = false): IdentityCommand => ({
  type: 'Enroll',
  nodeId: 'n1',
  publicKey,
  tokenId: 't',
  hostname: 'h',
  tokenUsed,
});
const enrolled = (publicKey: string): NewEvent<IdentityEvent> => ({
  type: 'identity.enrolled',
  data: { nodeId: 'n1', publicKey, tokenId: 't', hostname: 'h' },
});
const revoked: NewEvent<IdentityEvent> = { type: 'identity.revoked', data: { nodeId: 'n1', reason: 'stolen' } };
const allowRekey: IdentityCommand = { type: 'AllowRekey', nodeId: 'n1', reason: 'reinstalled' };
const rekeyAllowed: NewEvent<IdentityEvent> = {
  type: 'identity.rekey_allowed',
  data: { nodeId: 'n1', reason: 'reinstalled' },
};

describe('identity decider', () => {
  it('enrolls a node once, idempotently for the same key', () => {
    given()
      .when(enroll('K1'))
      .then([enrolled('K1')]);
    given(enrolled('K1')).when(enroll('K1')).then([]);
  });

  it('refuses another key for an enrolled node without a re-key, and any enrollment of a revoked one', () => {
    given(enrolled('K1'))
      .when(enroll('K2'))
      .thenThrows(/already enrolled with another key \(an admin must re-key it first\)/);
    given(enrolled('K1'), revoked)
      .when(enroll('K1'))
      .thenThrows(/revoked/);
    given(enrolled('K1'), revoked)
      .when(enroll('K2'))
      .thenThrows(/revoked/);
  });

  it('revokes once', () => {
    given(enrolled('K1')).when({ type: 'Revoke', nodeId: 'n1', reason: 'stolen' }).then([revoked]);
    given(enrolled('K1'), revoked).when({ type: 'Revoke', nodeId: 'n1', reason: 'again' }).then([]);
  });

  it('after a re-key, accepts one enrollment with a new key, and then no other', () => {
    given(enrolled('K1')).when(allowRekey).then([rekeyAllowed]);
    given(enrolled('K1'), rekeyAllowed).when(allowRekey).then([]);
    given(enrolled('K1'), rekeyAllowed)
      .when(enroll('K2'))
      .then([enrolled('K2')]);
    given(enrolled('K1'), rekeyAllowed, enrolled('K2'))
      .when(enroll('K3'))
      .thenThrows(/already enrolled with another key/);
    // The old key re-enrolling changes nothing (and leaves the re-key to be used).
    given(enrolled('K1'), rekeyAllowed).when(enroll('K1')).then([]);
  });

  it('after a revocation, a re-key lets a new key enroll (which ends the revocation), never the revoked one', () => {
    given(enrolled('K1'), revoked).when(allowRekey).then([rekeyAllowed]);
    given(enrolled('K1'), revoked, rekeyAllowed)
      .when(enroll('K2'))
      .then([enrolled('K2')]);
    given(enrolled('K1'), revoked, rekeyAllowed)
      .when(enroll('K1'))
      .thenThrows(/a revoked key cannot enroll again/);
    // A revocation after the re-key withdraws it.
    given(enrolled('K1'), rekeyAllowed, revoked)
      .when(enroll('K2'))
      .thenThrows(/revoked/);
  });

  it('lets a spent token only repeat the enrollment it made, even after a re-key', () => {
    given(enrolled('K1')).when(enroll('K1', true)).then([]);
    given(enrolled('K1'), rekeyAllowed)
      .when(enroll('K2', true))
      .thenThrows(/enrollment token already used/);
    given()
      .when(enroll('K1', true))
      .thenThrows(/enrollment token already used/);
  });

  it('has nothing to re-key for a node that never enrolled', () => {
    given()
      .when(allowRekey)
      .thenThrows(/has no key to replace/);
  });
});
