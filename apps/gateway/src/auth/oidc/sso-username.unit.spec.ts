import { ssoUsername } from './sso-username';

describe('the user name of a new single sign-on user', () => {
  it('comes from preferred_username, then the email, made a valid user name', () => {
    expect(ssoUsername({ preferred_username: 'Ana.Lopez' }, 'i', 's')).toBe('ana-lopez');
    expect(ssoUsername({ email: 'Bob+ops@example.com' }, 'i', 's')).toBe('bob-ops');
    expect(ssoUsername({ preferred_username: '__x' }, 'i', 's')).toBe('x');
  });

  it('falls back to a hash of the identity when no claim makes one', () => {
    const name = ssoUsername({ preferred_username: '@@@' }, 'https://idp', 'abc');
    expect(name).toMatch(/^sso-[0-9a-f]{16}$/);
    expect(ssoUsername({}, 'https://idp', 'abc')).toBe(name);
    expect(ssoUsername({}, 'https://idp', 'abd')).not.toBe(name);
  });
});
