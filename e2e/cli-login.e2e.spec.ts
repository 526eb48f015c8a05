import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, testGatewayAuth } from '@vigil/test-support';
import { TestPlatform } from './platform';

jest.setTimeout(60_000);

/** `vigil login` against a real gateway: the session file (0600), then commands that send the token. */
describe('vigil login', () => {
  const platform = new TestPlatform();
  const config = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  const vigil = (...args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, 'tools/vigil/vigil.js'), ...args], {
      env: { ...process.env, XDG_CONFIG_HOME: config, VIGIL_PASSWORD: '' },
      encoding: 'utf8',
    });

  beforeAll(async () => {
    await platform.setup();
    await platform.startGateway();
  });
  afterAll(() => platform.teardown());

  it('logs in, keeps the session only for its owner, sends the token, manages keys, logs out', async () => {
    const passwordFile = join(config, 'pw');
    writeFileSync(passwordFile, `${testGatewayAuth.adminPassword}\n`);
    const url = platform.url('gateway', '');
    const wrong = join(config, 'wrong');
    writeFileSync(wrong, 'not-the-password-123\n');
    const refused = vigil('login', '--url', url, '--password-file', wrong);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('401: invalid username or password');
    expect(refused.stderr).not.toContain('not-the-password-123');

    const login = vigil('login', '--url', url, '--user', 'admin', '--password-file', passwordFile);
    expect(login.stderr).toBe('');
    expect(login.stdout).toMatch(/logged in to .* as admin \(admin\)/);
    expect(login.stdout).not.toContain(testGatewayAuth.adminPassword);
    const file = join(config, 'vigil', 'session.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const whoami = vigil('whoami');
    expect(JSON.parse(whoami.stdout)).toEqual({ kind: 'user', id: 'admin', role: 'admin' });
    const users = vigil('users', 'list');
    expect(JSON.parse(users.stdout).users.map((u: { username: string }) => u.username)).toEqual(['admin']);

    const created = vigil(
      'keys',
      'create',
      '--name',
      'grafana',
      '--role',
      'viewer',
      '--days',
      '30',
      '--scope',
      'env=prod',
    );
    const key = created.stdout.split('\n')[0];
    expect(key).toMatch(/^vgl_[0-9A-Za-z]{36}$/);
    expect(created.stdout).toContain('only time the key is shown');
    const listed = JSON.parse(vigil('keys', 'list').stdout) as { keys: { id: string; name: string; scope: unknown }[] };
    expect(listed.keys.map((k) => k.name)).toEqual(['grafana']);
    expect(listed.keys[0]).toMatchObject({ scope: { env: 'prod' } });
    expect(JSON.stringify(listed)).not.toContain(key);
    const revoked = JSON.parse(vigil('keys', 'revoke', listed.keys[0].id).stdout) as { revokedAt: string | null };
    expect(revoked.revokedAt).not.toBeNull();

    expect(vigil('logout').stdout).toBe('logged out\n');
    // Neither the password nor the one refused is in the gateway's logs (stopped first: they are flushed then).
    await Promise.all(platform.processes.map((p) => p.stop()));
    const logs = platform.processes.flatMap((p) => p.lines).join('\n');
    expect(logs).toContain('http request');
    expect(logs).not.toContain(testGatewayAuth.adminPassword);
    expect(logs).not.toContain('not-the-password-123');
    expect(logs).not.toMatch(/argon2|vgl_[0-9A-Za-z]{36}|vrt1_/);
    const after = vigil('whoami');
    expect(after.status).toBe(1);
    expect(after.stderr).toContain('not logged in');
  });
});
