import type { IdentityEvent } from '@vigil/contracts';
import type { NewEvent } from '@vigil/event-store';
import { decideIdentity, evolveIdentity, type IdentityCommand, initialIdentityState } from './identity.decider';

const given = (...history: NewEvent<IdentityEvent>[]) => {
  const state = history.map((e) => e as unknown as IdentityEvent).reduce(evolveIdentity, initialIdentityState());
  return { when: (c: IdentityCommand) => () => decideIdentity(c, state) };
};
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
    expect(given().when(enroll('K1'))()).toEqual([enrolled('K1')]);
    expect(given(enrolled('K1')).when(enroll('K1'))()).toEqual([]);
  });

  it('refuses another key for an enrolled node, and any enrollment of a revoked one', () => {
    expect(given(enrolled('K1')).when(enroll('K2'))).toThrow(/already enrolled with another key/);
    expect(given(enrolled('K1'), revoked).when(enroll('K1'))).toThrow(/revoked/);
  });

  it('revokes once', () => {
    expect(given(enrolled('K1')).when({ type: 'Revoke', nodeId: 'n1', reason: 'stolen' })()).toEqual([revoked]);
    expect(given(enrolled('K1'), revoked).when({ type: 'Revoke', nodeId: 'n1', reason: 'again' })()).toEqual([]);
  });
});
