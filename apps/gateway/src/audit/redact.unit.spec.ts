import { auditChanges } from './redact';

describe('auditChanges', () => {
  it('redacts secret-looking fields at any depth and keeps the rest', () => {
    expect(
      auditChanges({
        username: 'bob',
        password: 'hunter2-hunter2',
        nested: { currentPassword: 'a', newPassword: 'b', refreshToken: 'c', list: [{ secret: 'd', keep: 1 }] },
        key: 'k',
        apiKey: 'k2',
        rules: [{ id: 'high-cpu', labels: { team: 'ops' } }],
      }),
    ).toEqual({
      username: 'bob',
      password: '[redacted]',
      nested: {
        currentPassword: '[redacted]',
        newPassword: '[redacted]',
        refreshToken: '[redacted]',
        list: [{ secret: '[redacted]', keep: 1 }],
      },
      key: '[redacted]',
      apiKey: '[redacted]',
      rules: [{ id: 'high-cpu', labels: { team: 'ops' } }],
    });
  });

  it('records nothing for an empty body and only the size of a huge one', () => {
    expect(auditChanges(undefined)).toBeUndefined();
    expect(auditChanges({})).toBeUndefined();
    expect(auditChanges({ rules: 'x'.repeat(20_000) })).toEqual({ truncated: true, bytes: expect.any(Number) });
  });

  it('records U+0000 and unpaired surrogates as U+FFFD, in values and names (Postgres stores neither)', () => {
    expect(auditChanges({ comment: 'a\u0000b', ['k\uD800']: ['\uDC00', '\uD83D\uDE00'] })).toEqual({
      comment: 'a\uFFFDb',
      ['k\uFFFD']: ['\uFFFD', '\uD83D\uDE00'],
    });
  });
});
