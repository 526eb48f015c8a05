import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway, TEST_ADMIN_PASSWORD } from '../testing/gateway-app';
import { connectLive } from '../testing/live-client';

jest.setTimeout(60_000);

const PER_IP = 3;
const PUBLIC_ORIGIN = 'https://vigil.example.com';

/**
 * The live API's upgrade behind a reverse proxy (the test plays it, from 127.0.0.1): with
 * VIGIL_TRUST_PROXY=loopback the client address of `X-Forwarded-For` counts against the same
 * per-address limit as the client's REST requests, and the cookie's origin check compares with the
 * host the browser asked the proxy for (`X-Forwarded-Host`), as REST's `req.ip` and `req.host` do.
 */
describe('gateway live API behind a trusted proxy', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    gw = await startGateway({
      ...isolatedGatewayEnv(tbus, tdb, testUrls),
      VIGIL_TRUST_PROXY: 'loopback',
      VIGIL_RATE_LIMIT_PER_IP: String(PER_IP),
    });
  });
  afterAll(async () => {
    await gw?.close();
    await tbus.close();
    await tdb.drop();
  });

  it("counts an upgrade against the forwarded client's address, in the same window as its REST requests", async () => {
    const client = { 'x-forwarded-for': '203.0.113.10' };
    for (let i = 0; i < PER_IP - 1; i++)
      expect((await gw.fetch('/api/v1/auth/me', { headers: client })).status).toBe(401);
    // The third request of that address is the upgrade: admitted, then refused for its missing credential.
    expect((await connectLive(gw.base, client)).status).toBe(401);
    const limited = await connectLive(gw.base, client);
    expect([limited.status, limited.headers?.['content-type']]).toEqual([429, 'application/problem+json']);
    // Another client behind the same proxy has a window of its own; so has one that forges a hop in front of it.
    expect((await connectLive(gw.base, { 'x-forwarded-for': '203.0.113.11' })).status).toBe(401);
    expect((await connectLive(gw.base, { 'x-forwarded-for': '203.0.113.10, 203.0.113.12' })).status).toBe(401);
  });

  it('checks the cookie’s Origin against the host the browser asked the proxy for', async () => {
    const login = await gw.fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'x-forwarded-for': '203.0.113.20' },
      json: { username: 'admin', password: TEST_ADMIN_PASSWORD },
    });
    expect(login.status).toBe(200);
    const access = login.headers.getSetCookie().find((c) => c.startsWith('vigil_access='));
    const cookie = access!.split(';')[0];
    const viaProxy = (headers: Record<string, string>) =>
      connectLive(gw.base, { cookie, 'x-forwarded-for': '203.0.113.21', ...headers }, PUBLIC_ORIGIN);

    const opened = await viaProxy({ 'x-forwarded-host': 'vigil.example.com' });
    expect(opened.status).toBe(101);
    await opened.client!.frame('welcome');
    opened.client!.close();
    // The proxy's own Host (127.0.0.1:<port>) is not the page's origin, and another forwarded host is not either.
    expect((await viaProxy({})).status).toBe(403);
    expect((await viaProxy({ 'x-forwarded-host': 'evil.example.com' })).status).toBe(403);
  });
});
