import { deciderSpec } from '@vigil/test-support';
import { apiKeyDecider } from './apikey.decider';

const { given } = deciderSpec(apiKeyDecider, {
  subject: 'apikey.0123456789abcdef',
  occurredAt: '2026-12-07T10:00:00.000Z',
  actor: 'user:admin',
});

const keyId = '0123456789abcdef';
const create = {
  type: 'CreateKey',
  keyId,
  name: 'grafana',
  role: 'viewer',
  expiresAt: '2027-03-07T10:00:00.000Z',
} as const;
const created = {
  type: 'apikey.created',
  data: { keyId, name: 'grafana', role: 'viewer', expiresAt: '2027-03-07T10:00:00.000Z' },
} as const;
const revoked = { type: 'apikey.revoked', data: { keyId } } as const;

describe('API key decider', () => {
  it('creates a key once', () => {
    given().when(create).then([created]);
    given(created)
      .when(create)
      .thenThrows(/exists/);
  });

  it('revokes once, and refuses an unknown key', () => {
    given(created).when({ type: 'RevokeKey', keyId }).then([revoked]);
    given(created, revoked).when({ type: 'RevokeKey', keyId }).then([]);
    given()
      .when({ type: 'RevokeKey', keyId })
      .thenThrows(/no API key/);
  });
});
