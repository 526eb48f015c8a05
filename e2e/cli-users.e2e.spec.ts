import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, testGatewayAuth } from '@vigil/test-support';
import { TestPlatform } from './platform';

jest.setTimeout(60_000);

/** `vigil users …` and `vigil password` against a real gateway, over the same REST API as anyone. */
describe('vigil users', () => {
  const platform = new TestPlatform();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-users-'));
  /** The CLI with its own session folder per person (`as`). */
  const vigil = (as: string, ...args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, 'tools/vigil/vigil.js'), ...args], {
      env: { ...process.env, XDG_CONFIG_HOME: join(dir, as), VIGIL_PASSWORD: '' },
      encoding: 'utf8',
      input: '',
    });
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, `${text}\n`);
    return path;
  };
  const json = (r: { stdout: string; stderr: string; status: number | null }) => {
    expect([r.status, r.stderr]).toEqual([0, '']);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  beforeAll(async () => {
    await platform.setup();
    await platform.startGateway();
  });
  afterAll(() => platform.teardown());

  it('creates, reads, changes, resets and disables a user; the user changes their own password', () => {
    const url = platform.url('gateway', '');
    const admin = file('admin-pw', testGatewayAuth.adminPassword);
    expect(vigil('admin', 'login', '--url', url, '--password-file', admin).status).toBe(0);

    expect(
      json(
        vigil(
          'admin',
          'users',
          'create',
          'dana',
          '--role',
          'viewer',
          '--password-file',
          file('dana-1', 'dana-first-password'),
        ),
      ),
    ).toMatchObject({ username: 'dana', role: 'viewer' });
    expect(json(vigil('admin', 'users', 'get', 'dana'))).toMatchObject({ username: 'dana', role: 'viewer' });
    expect(json(vigil('admin', 'users', 'role', 'dana', 'operator'))).toMatchObject({ role: 'operator' });

    const reset = file('dana-2', 'dana-second-password');
    expect(json(vigil('admin', 'users', 'password', 'dana', '--password-file', reset))).toMatchObject({
      username: 'dana',
    });
    expect(
      vigil('dana', 'login', '--url', url, '--user', 'dana', '--password-file', file('x', 'dana-first-password'))
        .status,
    ).toBe(1);
    expect(vigil('dana', 'login', '--url', url, '--user', 'dana', '--password-file', reset).status).toBe(0);
    expect(json(vigil('dana', 'whoami'))).toEqual({ kind: 'user', id: 'dana', role: 'operator' });

    const own = vigil(
      'dana',
      'password',
      '--current-password-file',
      reset,
      '--password-file',
      file('dana-3', 'dana-third-password'),
    );
    expect([own.status, own.stderr]).toEqual([0, 'password changed\n']);
    expect(
      vigil('dana', 'login', '--url', url, '--user', 'dana', '--password-file', file('dana-3b', 'dana-third-password'))
        .status,
    ).toBe(0);
    const wrong = vigil(
      'dana',
      'password',
      '--current-password-file',
      reset,
      '--password-file',
      file('dana-4', 'dana-fourth-password'),
    );
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('401');
    expect(wrong.stderr).not.toContain('dana-fourth-password');

    expect(vigil('admin', 'users', 'revoke-sessions', 'dana').status).toBe(0);
    expect(vigil('dana', 'whoami').status).toBe(1);
    expect(json(vigil('admin', 'users', 'disable', 'dana'))).toMatchObject({ username: 'dana' });
    expect(
      vigil('dana', 'login', '--url', url, '--user', 'dana', '--password-file', file('dana-3c', 'dana-third-password'))
        .status,
    ).toBe(1);
    const listed = json(vigil('admin', 'users', 'list')) as { users: { username: string }[] };
    expect(listed.users.map((u) => u.username).sort()).toEqual(['admin', 'dana']);
  });
});
