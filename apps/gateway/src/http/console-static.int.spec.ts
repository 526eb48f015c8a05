import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway } from '../testing/gateway-app';

jest.setTimeout(60_000);

const INDEX =
  '<!doctype html><html lang="en"><head><script type="module" src="/assets/index-AbCd1234.js"></script></head><body><div id="app"></div></body></html>';
const SCRIPT = `export const x = ${JSON.stringify('console '.repeat(400))};\n`;

/** The console's files at `/`, beside the API, on a gateway started with a console directory of the test's own. */
describe('gateway: the console at /', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-console-'));

  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-AbCd1234.js'), SCRIPT);
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, 'notes.unknown'), 'not served: no known type');
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    gw = await startGateway({ ...isolatedGatewayEnv(tbus, tdb, testUrls), VIGIL_DASHBOARD_DIR: dir });
  });
  afterAll(async () => {
    await gw?.close();
    await tbus?.close();
    await tdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers index.html, never cached, for / and every client-side route, under the CSP', async () => {
    for (const path of ['/', '/nodes', '/nodes/web-1?range=6h', '/users', '/login?next=%2Fusers']) {
      const r = await gw.fetch(path);
      expect([path, r.status, r.headers.get('content-type')]).toEqual([path, 200, 'text/html; charset=utf-8']);
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await r.text()).toBe(INDEX);
    }
  });

  it('answers hashed assets with a year of immutable cache, gzipped when asked', async () => {
    const r = await gw.fetch('/assets/index-AbCd1234.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(r.headers.get('content-encoding')).toBe('gzip');
    expect(await r.text()).toBe(SCRIPT);
    const icon = await gw.fetch('/favicon.svg');
    expect([icon.status, icon.headers.get('cache-control')]).toEqual([200, 'no-store']);
    const head = await gw.fetch('/', { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('leaves the API, the platform paths, missing files and other methods to the gateway (problem+json 404, 401)', async () => {
    for (const path of ['/assets/index-Missing9.js', '/notes.unknown', '/api/v1/nope', '/api', '/docs', '/docs/x']) {
      const r = await gw.fetch(path);
      expect([path, r.status, r.headers.get('content-type')]).toEqual([
        path,
        404,
        expect.stringMatching(/problem\+json/),
      ]);
    }
    // The live API's path is the gateway's (whatever it answers a plain GET), never the page.
    expect(await (await gw.fetch('/ws')).text()).not.toBe(INDEX);
    expect((await gw.fetch('/api/v1/nodes')).status).toBe(401);
    expect((await gw.fetch('/health/live')).headers.get('content-type')).toMatch(/json/);
    expect(await (await gw.fetch('/metrics')).text()).toMatch(/# HELP/);
    expect((await gw.fetch('/', { method: 'POST' })).status).toBe(404);
  });

  it('never reads outside its index: a dotted path is a client route, not a file', async () => {
    const r = await gw.fetch('/%2e%2e/%2e%2e/%2e%2e/etc/passwd');
    expect(r.status).toBe(200);
    expect(await r.text()).toBe(INDEX);
    const dotted = await gw.fetch('/..%2f..%2fpackage.json');
    expect(dotted.status).toBe(404);
  });

  it('tells the console whether single sign-on is on (it is not here)', async () => {
    const r = await gw.fetch('/api/v1/auth/oidc/status');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ enabled: false, available: false });
  });
});
