import { Controller, Get } from '@nestjs/common';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway, TEST_ADMIN_PASSWORD } from '../testing/gateway-app';
import { type ServedRoute, servedRoutesOf } from '../http/served-routes';

jest.setTimeout(60_000);

/** A route someone added and forgot to declare an access level for. */
@Controller('api/v1/throwaway')
class ThrowawayController {
  @Get()
  get(): string {
    return 'should never be answered';
  }
}

/** What only admins may use. */
const ADMIN_ONLY =
  /^\/api\/v1\/(users|audit|keys|dlq|platform\/status|enrollment-tokens|nodes\/:id\/(revoke|rekey))(\/|$)/;
const concrete = (path: string) => path.replace(/:[A-Za-z_]+/g, 'x1');
const ROLES = ['viewer', 'operator', 'admin'] as const;
const body = (method: string, json: unknown) => (method === 'GET' || method === 'HEAD' ? undefined : json);

/**
 * Every route the gateway serves, found from its router: anonymous callers get 401, callers
 * below the declared role 403, callers with it neither. No service answers behind the gateway
 * here (those routes answer 503 or a 4xx of their own): what is tested is the door, not the room.
 */
describe('gateway access', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  const tokens: Record<string, string> = {};
  const refreshTokens: Record<string, string> = {};

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    gw = await startGateway(
      {
        ...isolatedGatewayEnv(tbus, tdb, testUrls),
        VIGIL_RPC_TIMEOUT_MS: '200',
      },
      [ThrowawayController],
    );
    tokens.admin = await gw.login('admin', TEST_ADMIN_PASSWORD);
    for (const role of ['viewer', 'operator'] as const) {
      const password = `password-of-${role}-123`;
      const created = await gw.fetch('/api/v1/users', {
        method: 'POST',
        token: tokens.admin,
        json: { username: `a-${role}`, role, password },
      });
      expect(created.status).toBe(201);
      const r = await gw.fetch('/api/v1/auth/login', { method: 'POST', json: { username: `a-${role}`, password } });
      const body = (await r.json()) as { accessToken: string; refreshToken: string };
      tokens[role] = body.accessToken;
      refreshTokens[role] = body.refreshToken;
    }
  });
  afterAll(async () => {
    await gw?.close();
    await tbus.close();
    await tdb.drop();
  });

  const routes = (): ServedRoute[] => servedRoutesOf(gw.app).filter((r) => !r.path.startsWith('/api/v1/throwaway'));

  it('finds the routes from the router, each with a declared access level', () => {
    const all = routes();
    expect(all.length).toBeGreaterThan(40);
    expect(all.filter((r) => r.access === undefined)).toEqual([]);
    // Anonymous only for health, metrics, the API's document and its page, login (password and
    // single sign-on, and whether single sign-on is on) and refresh.
    expect(
      all
        .filter((r) => r.access === 'public')
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([
      'GET /api/docs',
      'GET /api/docs/docs.css',
      'GET /api/docs/docs.js',
      'GET /api/openapi.json',
      'GET /api/v1/auth/oidc/callback',
      'GET /api/v1/auth/oidc/login',
      'GET /api/v1/auth/oidc/status',
      'GET /health',
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/refresh',
    ]);
    // Users, audit, keys, dead letters, the platform's status, enrollment tokens, node revocation and re-key are for admins, and nothing else is.
    expect(all.filter((r) => r.access === 'admin').every((r) => ADMIN_ONLY.test(r.path))).toBe(true);
    expect(all.filter((r) => r.access === 'admin').map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['POST /api/v1/enrollment-tokens', 'POST /api/v1/nodes/:id/revoke', 'POST /api/v1/users']),
    );
    // Reads are for viewers.
    for (const r of all.filter((r) => r.method === 'GET' && r.access !== 'public'))
      expect([r.path, r.access]).toEqual([r.path, ADMIN_ONLY.test(r.path) ? 'admin' : 'viewer']);
  });

  it('refuses every non-public route to anonymous callers and to forged tokens (401)', async () => {
    for (const r of routes().filter((r) => r.access !== 'public')) {
      for (const token of [undefined, 'vat1.e30.AAAA', `${tokens.viewer.slice(0, -3)}abc`]) {
        const res = await gw.fetch(concrete(r.path), { method: r.method, token, json: body(r.method, {}) });
        expect([r.method, r.path, res.status]).toEqual([r.method, r.path, 401]);
      }
    }
  });

  it('refuses callers below the declared role (403) and lets the declared role through', async () => {
    // Logout ends the session it is called with: last.
    const ordered = routes().sort((a, b) => Number(a.path.endsWith('/logout')) - Number(b.path.endsWith('/logout')));
    for (const r of ordered) {
      const json = body(r.method, r.path === '/api/v1/auth/refresh' ? { refreshToken: refreshTokens.viewer } : {});
      if (r.access === 'public') {
        const res = await gw.fetch(concrete(r.path), { method: r.method, json });
        expect([r.method, r.path, [401, 403].includes(res.status)]).toEqual([r.method, r.path, false]);
        continue;
      }
      const needed = ROLES.indexOf(r.access as (typeof ROLES)[number]);
      for (const [i, role] of ROLES.entries()) {
        const res = await gw.fetch(concrete(r.path), { method: r.method, token: tokens[role], json });
        const refused = i < needed ? 403 : 'neither 401 nor 403';
        expect([r.method, r.path, role, [401, 403].includes(res.status) ? res.status : 'neither 401 nor 403']).toEqual([
          r.method,
          r.path,
          role,
          refused,
        ]);
      }
    }
  });

  it('refuses a route that declares no access level, to everyone', async () => {
    expect(
      servedRoutesOf(gw.app)
        .filter((r) => r.access === undefined)
        .map((r) => `${r.method} ${r.path}`),
    ).toEqual(['GET /api/v1/throwaway']);
    for (const token of [undefined, tokens.admin]) {
      const res = await gw.fetch('/api/v1/throwaway', { token });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('should never be answered');
    }
  });
});
