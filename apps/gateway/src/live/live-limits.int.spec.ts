import { LIVE_CLOSE } from '@vigil/contracts';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway, TEST_ADMIN_PASSWORD } from '../testing/gateway-app';
import { connectLive, type LiveClient, openLive } from '../testing/live-client';

jest.setTimeout(60_000);

const ACCESS_TTL_S = 10;

/**
 * The live API's process-wide limits on a gateway of their own: the total socket cap, a
 * session's socket closed when its access token expires, and every socket closed with 1001 when
 * the gateway shuts down.
 */
describe('gateway live API: total cap, token expiry, shutdown', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  let closedGateway = false;

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    gw = await startGateway({
      ...isolatedGatewayEnv(tbus, tdb, testUrls),
      VIGIL_LIVE_MAX_SOCKETS: '2',
      VIGIL_LIVE_RECHECK_MS: '500',
      VIGIL_AUTH_ACCESS_TTL_S: String(ACCESS_TTL_S),
    });
  });
  afterAll(async () => {
    if (!closedGateway) await gw?.close();
    await tbus.close();
    await tdb.drop();
  });

  it('holds at most VIGIL_LIVE_MAX_SOCKETS sockets in all, closes a session whose access token expired (4001), and closes with 1001 on shutdown', async () => {
    const first = await openLive(gw.base, await gw.login('admin', TEST_ADMIN_PASSWORD));
    const loggedIn = Date.now();
    const r = await gw.fetch('/api/v1/keys', {
      method: 'POST',
      token: await gw.login('admin', TEST_ADMIN_PASSWORD),
      json: { name: 'cap', role: 'viewer' },
    });
    const key = ((await r.json()) as { key: string }).key;
    const second: LiveClient = await openLive(gw.base, key);
    const third = await connectLive(gw.base, { authorization: `Bearer ${key}` });
    expect([third.status, third.headers?.['retry-after']]).toEqual([503, '5']);

    const expired = await first.closed;
    expect(expired).toEqual({ code: LIVE_CLOSE.unauthorized, reason: 'the access token expired' });
    const after = Date.now() - loggedIn;
    expect(after).toBeGreaterThanOrEqual(ACCESS_TTL_S * 1000 - 1000);
    expect(after).toBeLessThan(ACCESS_TTL_S * 1000 + 2000);
    // The key's socket is not a session's: it stays.
    expect(second.ws.readyState).toBe(second.ws.OPEN);

    const closing = gw.close();
    closedGateway = true;
    expect((await second.closed).code).toBe(LIVE_CLOSE.going_away);
    await closing;
  });
});
