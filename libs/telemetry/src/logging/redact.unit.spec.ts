import { isSecretKey, REDACTED, redactLogLine, redactUrl } from './redact';

describe('redactUrl', () => {
  it.each([
    ['postgres://vigil:s3cret@db:5432/vigil', 'postgres://vigil:[REDACTED]@db:5432/vigil'],
    ['redis://:s3cret@127.0.0.1:6379/0', 'redis://:[REDACTED]@127.0.0.1:6379/0'],
    ['nats://s3cret-token@nats:4222', 'nats://[REDACTED]@nats:4222'],
    ['postgres://vigil:p@ss:w0rd@db/vigil', 'postgres://vigil:[REDACTED]@db/vigil'],
    ['nats://a:s3cret@n1:4222,nats://b:s3cret@n2:4222', 'nats://a:[REDACTED]@n1:4222,nats://b:[REDACTED]@n2:4222'],
    [
      'connect ECONNREFUSED to POSTGRES://u:s3cret@db failed',
      'connect ECONNREFUSED to POSTGRES://u:[REDACTED]@db failed',
    ],
  ])('masks %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it.each([
    'postgres://db:5432/vigil',
    'https://example.com/users/me@example.com',
    'mail ops@example.com about http://host/x',
    '{"url":"http://host","email":"a@b"}',
  ])('leaves %s alone', (input) => {
    expect(redactUrl(input)).toBe(input);
  });

  it('is idempotent', () => {
    const once = redactUrl('postgres://vigil:s3cret@db/vigil');
    expect(redactUrl(once)).toBe(once);
  });
});

describe('isSecretKey', () => {
  it.each([
    'password',
    'Password',
    'PASSWORD',
    'passwd',
    'secret',
    'token',
    'TOKEN',
    'apiKey',
    'api_key',
    'API_KEY',
    'ApiKey',
    'x-api-key',
    'authorization',
    'Authorization',
    'cookie',
    'Set-Cookie',
    'webhook',
    'webhookUrl',
    'webhook_url',
    'WEBHOOK_URL',
    'key',
    'accessToken',
    'access_token',
    'refreshToken',
    'privateKey',
    'private_key',
  ])('%s is a secret key', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each(['service', 'node_id', 'url', 'keys', 'monkey', 'tokens_used'])('%s is not', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('redactLogLine', () => {
  const line = (record: unknown): string => `${JSON.stringify(record)}\n`;

  it('redacts secret keys at every depth and inside arrays', () => {
    const redacted = redactLogLine(
      line({
        user: 'ada',
        password: 'p1',
        db: { config: { auth: { Password: 'p2', user: 'vigil' } } },
        receivers: [{ kind: 'wecom', webhookUrl: 'https://hook/abc' }],
        token: { nested: 'whole value replaced' },
      }),
    );
    expect(redacted.endsWith('}\n')).toBe(true);
    expect(JSON.parse(redacted)).toEqual({
      user: 'ada',
      password: REDACTED,
      db: { config: { auth: { Password: REDACTED, user: 'vigil' } } },
      receivers: [{ kind: 'wecom', webhookUrl: REDACTED }],
      token: REDACTED,
    });
  });

  it('masks URL credentials in any string field', () => {
    expect(JSON.parse(redactLogLine(line({ msg: 'dial nats://u:pw@n:4222', url: 'redis://:pw@r' })))).toEqual({
      msg: 'dial nats://u:[REDACTED]@n:4222',
      url: `redis://:${REDACTED}@r`,
    });
  });

  it('returns a line without secret keys as it is, whatever its text says', () => {
    const clean = line({ level: 'info', msg: 'password rotated for {"user": "vigil"}', keys: ['a'], node_id: 'n-1' });
    expect(redactLogLine(clean)).toBe(clean);
  });
});
