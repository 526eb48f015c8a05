import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsAuthOptions, natsCredentialsFromEnv } from './connection';

describe('NATS credentials from the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-nats-cred-'));

  it('reads none, a password, or a password file (one trailing newline dropped)', () => {
    expect(natsCredentialsFromEnv({})).toBeUndefined();
    expect(natsCredentialsFromEnv({ NATS_USER: 'gateway', NATS_PASSWORD: 's3cret' })).toEqual({
      user: 'gateway',
      pass: 's3cret',
    });
    writeFileSync(join(dir, 'pw'), 'from-file\n');
    expect(natsCredentialsFromEnv({ NATS_USER: 'agent', NATS_PASSWORD_FILE: join(dir, 'pw') })).toEqual({
      user: 'agent',
      pass: 'from-file',
    });
  });

  it('refuses half a configuration, naming variables and never values', () => {
    const failures = [
      { NATS_USER: 'gateway' },
      { NATS_PASSWORD: 's3cret' },
      { NATS_USER: 'gateway', NATS_PASSWORD: 's3cret', NATS_PASSWORD_FILE: '/x' },
      { NATS_USER: 'gateway', NATS_PASSWORD_FILE: join(dir, 'absent') },
    ].map((env) => {
      try {
        natsCredentialsFromEnv(env);
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(failures).toEqual([
      'NATS_USER is set without NATS_PASSWORD or NATS_PASSWORD_FILE',
      'NATS_PASSWORD or NATS_PASSWORD_FILE is set without NATS_USER',
      'set either NATS_PASSWORD or NATS_PASSWORD_FILE, not both',
      `NATS_PASSWORD_FILE: cannot read ${join(dir, 'absent')}: ENOENT`,
    ]);
    expect(failures.join()).not.toContain('s3cret');
  });

  it('turns them, the inbox and the CA into connect options', () => {
    expect(natsAuthOptions({})).toEqual({});
    expect(natsAuthOptions({ credentials: { user: 'agent', pass: 'p' } })).toEqual({
      user: 'agent',
      pass: 'p',
      inboxPrefix: '_INBOX_agent',
    });
    expect(
      natsAuthOptions({ credentials: { user: 'u', pass: 'p' }, inboxPrefix: '_INBOX_u', caFile: '/ca.pem' }),
    ).toEqual({ user: 'u', pass: 'p', inboxPrefix: '_INBOX_u', tls: { caFile: '/ca.pem' } });
  });
});
