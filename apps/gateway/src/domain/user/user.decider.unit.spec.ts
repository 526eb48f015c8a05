import { deciderSpec } from '@vigil/test-support';
import { userDecider } from './user.decider';

/** given(events).when(command).then(events) */
const { given } = deciderSpec(userDecider, {
  subject: 'user.ana',
  occurredAt: '2026-12-07T10:00:00.000Z',
  actor: 'user:admin',
});

const created = { type: 'user.created', data: { username: 'ana', role: 'viewer' } } as const;
const disabled = { type: 'user.disabled', data: { username: 'ana' } } as const;

describe('user decider', () => {
  it('creates a user once: a user name is taken for good', () => {
    given().when({ type: 'CreateUser', username: 'ana', role: 'viewer' }).then([created]);
    given(created)
      .when({ type: 'CreateUser', username: 'ana', role: 'admin' })
      .thenThrows(/user "ana" exists/);
    given(created, disabled)
      .when({ type: 'CreateUser', username: 'ana', role: 'viewer' })
      .thenThrows(/exists/);
  });

  it('changes the role of an active user, and records nothing for the same role', () => {
    given(created)
      .when({ type: 'ChangeRole', username: 'ana', role: 'operator' })
      .then([{ type: 'user.role_changed', data: { username: 'ana', role: 'operator', previousRole: 'viewer' } }]);
    given(created).when({ type: 'ChangeRole', username: 'ana', role: 'viewer' }).then([]);
    given()
      .when({ type: 'ChangeRole', username: 'ana', role: 'admin' })
      .thenThrows(/no user "ana"/);
    given(created, disabled)
      .when({ type: 'ChangeRole', username: 'ana', role: 'admin' })
      .thenThrows(/disabled/);
  });

  it('disables once', () => {
    given(created).when({ type: 'DisableUser', username: 'ana' }).then([disabled]);
    given(created, disabled).when({ type: 'DisableUser', username: 'ana' }).then([]);
    given()
      .when({ type: 'DisableUser', username: 'ana' })
      .thenThrows(/no user/);
  });

  it('records a password change of an active user, without the password', () => {
    given(created)
      .when({ type: 'ChangePassword', username: 'ana', reset: true })
      .then([{ type: 'user.password_changed', data: { username: 'ana', reset: true } }]);
    given(created, disabled)
      .when({ type: 'ChangePassword', username: 'ana', reset: false })
      .thenThrows(/disabled/);
  });

  it('creates a single sign-on user with the identity it signs in as, and never gives them a password', () => {
    const linked = {
      type: 'user.sso_linked',
      data: { username: 'ana', issuer: 'https://idp.example', subject: 'abc-123' },
    } as const;
    given()
      .when({
        type: 'CreateSsoUser',
        username: 'ana',
        role: 'viewer',
        issuer: 'https://idp.example',
        subject: 'abc-123',
      })
      .then([created, linked]);
    given(created)
      .when({ type: 'CreateSsoUser', username: 'ana', role: 'viewer', issuer: 'https://idp.example', subject: 'x' })
      .thenThrows(/exists/);
    given(created, linked)
      .when({ type: 'ChangePassword', username: 'ana', reset: true })
      .thenThrows(/single sign-on/);
    expect(given(created, linked).state).toEqual({
      exists: true,
      username: 'ana',
      role: 'viewer',
      disabled: false,
      sso: { issuer: 'https://idp.example', subject: 'abc-123' },
    });
  });

  it('folds the events into the state the commands are decided on', () => {
    const { state } = given(created, {
      type: 'user.role_changed',
      data: { username: 'ana', role: 'admin', previousRole: 'viewer' },
    });
    expect(state).toEqual({ exists: true, username: 'ana', role: 'admin', disabled: false });
  });
});
