import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsAuthOptions, natsCredentialsFromEnv, natsResponderCredentials } from './connection';

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

  it("answers requests as the service's responder user with its password, or as NATS_RPC_USER when set", () => {
    const own = { user: 'metrics-svc', pass: 'p' };
    expect(natsResponderCredentials({}, own)).toEqual({ user: 'metrics-svc-rpc', pass: 'p' });
    expect(natsResponderCredentials({ NATS_RPC_USER: 'm-rpc', NATS_RPC_PASSWORD: 'q' }, own)).toEqual({
      user: 'm-rpc',
      pass: 'q',
    });
    // Not one of Vigil's responding services (the gateway, admin, an operator's own user): its own.
    expect(natsResponderCredentials({}, { user: 'admin', pass: 'a' })).toEqual({ user: 'admin', pass: 'a' });
    expect(natsResponderCredentials({}, undefined)).toBeUndefined();
    expect(() => natsResponderCredentials({ NATS_RPC_USER: 'm-rpc' }, own)).toThrow(/NATS_RPC_PASSWORD/);
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
