import { userEvents } from '@vigil/contracts';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway, TEST_ADMIN_PASSWORD } from '../testing/gateway-app';

jest.setTimeout(60_000);

interface Tokens {
  accessToken: string;
  refreshToken: string;
  user: { username: string; role: string };
}

/** Login, sessions, refresh-token rotation, revocation, lockout and the user API, over HTTP. */
describe('gateway authentication', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  let admin: string;

  const login = (username: string, password: string, headers: Record<string, string> = {}) =>
    gw.fetch('/api/v1/auth/login', { method: 'POST', json: { username, password }, headers });
  const me = (token?: string, headers: Record<string, string> = {}) => gw.fetch('/api/v1/auth/me', { token, headers });
  const createUser = async (username: string, role: string, password = `${username}-password-1`) => {
    const r = await gw.fetch('/api/v1/users', { method: 'POST', token: admin, json: { username, role, password } });
    expect(r.status).toBe(201);
    return password;
  };
  const tokensOf = async (r: Response) => (await r.json()) as Tokens;

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    gw = await startGateway({
      ...isolatedGatewayEnv(tbus, tdb, testUrls),
      VIGIL_AUTH_LOCKOUT_FAILURES: '3',
      VIGIL_AUTH_LOGIN_PER_MINUTE: '40',
    });
    admin = await gw.login('admin', TEST_ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await gw?.close();
    await tbus.close();
    await tdb.drop();
  });

  it('creates the first admin from VIGIL_ADMIN_PASSWORD, once', async () => {
    const r = await gw.fetch('/api/v1/users', { token: admin });
    const { users } = (await r.json()) as { users: { username: string; role: string }[] };
    expect(users).toEqual([expect.objectContaining({ username: 'admin', role: 'admin', disabled: false })]);
  });

  it('logs in with tokens in the body and as httpOnly SameSite=Strict cookies; the cookie works alone', async () => {
    const r = await login('admin', TEST_ADMIN_PASSWORD);
    expect(r.status).toBe(200);
    const body = await tokensOf(r);
    expect(body).toMatchObject({
      accessToken: expect.stringMatching(/^vat1\./),
      refreshToken: expect.stringMatching(/^vrt1_/),
      accessTokenExpiresAt: expect.any(String),
      user: { username: 'admin', role: 'admin' },
    });
    const expiresIn =
      Date.parse((body as unknown as { accessTokenExpiresAt: string }).accessTokenExpiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);
    const cookies = r.headers.getSetCookie();
    expect(cookies).toEqual([
      expect.stringMatching(/^vigil_access=vat1\..*; Path=\/; Expires=.*; HttpOnly; SameSite=Strict$/),
      expect.stringMatching(/^vigil_refresh=vrt1_.*; Path=\/api\/v1\/auth; Expires=.*; HttpOnly; SameSite=Strict$/),
    ]);
    const access = cookies[0].split(';')[0];
    expect((await me(undefined, { cookie: access })).status).toBe(200);
    expect(await (await me(body.accessToken)).json()).toEqual({ kind: 'user', id: 'admin', role: 'admin' });
  });

  it('refuses a wrong password and an unknown user alike, echoing neither the password nor a hash', async () => {
    await createUser('bob', 'viewer');
    const wrong = await login('bob', 'not-the-password-123');
    const unknown = await login('nobody', 'not-the-password-123');
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      const text = await r.text();
      expect(JSON.parse(text)).toMatchObject({ status: 401, detail: 'invalid username or password' });
      expect(text).not.toContain('not-the-password-123');
      expect(text).not.toMatch(/argon2/);
    }
  });

  it('never answers a password or its hash in the user API, nor puts one in an event', async () => {
    const password = await createUser('carol', 'operator');
    for (const path of ['/api/v1/users', '/api/v1/users/carol']) {
      const text = await (await gw.fetch(path, { token: admin })).text();
      expect(text).toContain('carol');
      expect(text).not.toContain(password);
      expect(text).not.toMatch(/argon2|hash/i);
    }
    const c = await tbus.js.consumers.get(tbus.topology.streams.events, {
      filter_subjects: tbus.topology.subjects.eventsOf('user'),
    });
    const raw: string[] = [];
    for (let m = await c.next({ expires: 1000 }); m; m = m.info.pending ? await c.next({ expires: 1000 }) : null) {
      raw.push(m.string());
      userEvents.read(m.json());
    }
    expect(raw.join('\n')).toContain('"user.created"');
    expect(raw.join('\n')).not.toContain(password);
    expect(raw.join('\n')).not.toMatch(/argon2/);
  });

  it('refuses a short password and a bad user name, naming the field', async () => {
    const r = await gw.fetch('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: { username: 'Dave!', role: 'viewer', password: 'short' },
    });
    expect(r.status).toBe(400);
    const text = await r.text();
    expect(text).toMatch(/username/);
    expect(text).toMatch(/password.*at least 12/);
    expect(text).not.toContain('short"');
  });

  it('rotates refresh tokens; presenting a rotated one revokes the whole session', async () => {
    const password = await createUser('dora', 'viewer');
    const first = await tokensOf(await login('dora', password));
    const second = await tokensOf(
      await gw.fetch('/api/v1/auth/refresh', { method: 'POST', json: { refreshToken: first.refreshToken } }),
    );
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await me(second.accessToken)).status).toBe(200);
    // The first refresh token again: someone else has it. The family is revoked, access too.
    const reuse = await gw.fetch('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: first.refreshToken },
    });
    expect(reuse.status).toBe(401);
    expect((await me(second.accessToken)).status).toBe(401);
    const after = await gw.fetch('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: second.refreshToken },
    });
    expect(after.status).toBe(401);
    // The refresh cookie is taken too.
    const third = await login('dora', password);
    const refreshCookie = third.headers.getSetCookie()[1].split(';')[0];
    const byCookie = await gw.fetch('/api/v1/auth/refresh', { method: 'POST', headers: { cookie: refreshCookie } });
    expect(byCookie.status).toBe(200);
  });

  it('logout and an admin revocation take effect on the next request', async () => {
    const password = await createUser('erin', 'operator');
    const a = await tokensOf(await login('erin', password));
    const b = await tokensOf(await login('erin', password));
    expect((await gw.fetch('/api/v1/auth/logout', { method: 'POST', token: a.accessToken })).status).toBe(204);
    expect((await me(a.accessToken)).status).toBe(401);
    expect((await me(b.accessToken)).status).toBe(200);
    const revoked = await gw.fetch('/api/v1/users/erin/sessions/revoke', { method: 'POST', token: admin });
    expect(await revoked.json()).toEqual({ revoked: 1 });
    expect((await me(b.accessToken)).status).toBe(401);
    expect(
      (await gw.fetch('/api/v1/auth/refresh', { method: 'POST', json: { refreshToken: b.refreshToken } })).status,
    ).toBe(401);
  });

  it('a role change and a disable end the sessions; a disabled user cannot log in', async () => {
    const password = await createUser('finn', 'viewer');
    const t = await tokensOf(await login('finn', password));
    const changed = await gw.fetch('/api/v1/users/finn/role', {
      method: 'PUT',
      token: admin,
      json: { role: 'operator' },
    });
    expect(await changed.json()).toMatchObject({ username: 'finn', role: 'operator', updatedBy: 'user:admin' });
    expect((await me(t.accessToken)).status).toBe(401);
    const t2 = await tokensOf(await login('finn', password));
    expect(t2.user.role).toBe('operator');
    expect((await gw.fetch('/api/v1/users/finn/disable', { method: 'POST', token: admin })).status).toBe(200);
    expect((await me(t2.accessToken)).status).toBe(401);
    expect((await login('finn', password)).status).toBe(401);
    const self = await gw.fetch('/api/v1/users/admin/disable', { method: 'POST', token: admin });
    expect(self.status).toBe(403);
  });

  it('password reset by an admin and change by the user', async () => {
    const password = await createUser('gus', 'viewer');
    const t = await tokensOf(await login('gus', password));
    const wrong = await gw.fetch('/api/v1/account/password', {
      method: 'PUT',
      token: t.accessToken,
      json: { currentPassword: 'wrong-password-123', newPassword: 'gus-new-password-1' },
    });
    expect(wrong.status).toBe(401);
    const ok = await gw.fetch('/api/v1/account/password', {
      method: 'PUT',
      token: t.accessToken,
      json: { currentPassword: password, newPassword: 'gus-new-password-1' },
    });
    expect(ok.status).toBe(204);
    expect((await me(t.accessToken)).status).toBe(200);
    expect((await login('gus', password)).status).toBe(401);
    expect((await login('gus', 'gus-new-password-1')).status).toBe(200);
    const reset = await gw.fetch('/api/v1/users/gus/password', {
      method: 'PUT',
      token: admin,
      json: { password: 'gus-reset-password-1' },
    });
    expect(reset.status).toBe(200);
    expect((await me(t.accessToken)).status).toBe(401);
    expect((await login('gus', 'gus-reset-password-1')).status).toBe(200);
  });

  it('locks an account after repeated failures, existing or not, with the same answer', async () => {
    const password = await createUser('hank', 'viewer');
    for (const name of ['hank', 'ghost']) {
      for (let i = 0; i < 3; i++) expect((await login(name, 'wrong-password-123')).status).toBe(401);
      const locked = await login(name, name === 'hank' ? password : 'wrong-password-123');
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await locked.json()).toMatchObject({ detail: 'too many login attempts; try again later' });
    }
  });

  it('limits login attempts per client address', async () => {
    let status = 0;
    for (let i = 0; i < 45 && status !== 429; i++) status = (await login(`nobody${i}`, 'wrong-password-123')).status;
    expect(status).toBe(429);
  });
});
