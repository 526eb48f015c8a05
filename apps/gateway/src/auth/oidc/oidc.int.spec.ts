import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from '@nats-io/nats-core';
import { registryQueries } from '@vigil/contracts';
import { serveQuery } from '@vigil/messaging';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import pino from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import {
  type GatewayUnderTest,
  isolatedGatewayEnv,
  startGateway,
  TEST_ADMIN_PASSWORD,
} from '../../testing/gateway-app';

jest.setTimeout(90_000);

const CLIENT_ID = 'vigil-gateway';
const CLIENT_SECRET = 'oidc-test-client-secret-0123456789';
/** The provider's accounts (the login typed in its form) and the claims it vouches for. */
const ACCOUNTS: Record<string, Record<string, unknown>> = {
  ana: { preferred_username: 'ana', email: 'ana@example.com', groups: ['staff', 'vigil-ops'] },
  vic: { preferred_username: 'vic', email: 'vic@example.com', groups: ['vigil-viewers'] },
  mallory: { preferred_username: 'mallory', email: 'mallory@example.com', groups: ['contractors'] },
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The OpenID Provider in its own process (apps/gateway/src/testing/oidc-provider.mjs), reading
 * its accounts from `accountsFile` at every login; resolves once it listens.
 */
function startProvider(port: number, redirectUri: string, accountsFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(__dirname, '../../testing/oidc-provider.mjs')], {
    env: {
      ...process.env,
      OIDC_TEST_CONFIG: JSON.stringify({
        port,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUri,
        accountsFile,
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`oidc-provider exited ${code}: ${stderr}`)));
  });
}

interface Step {
  url: URL;
  response?: Response;
  /** Set when navigation stopped before fetching `url` (the `stop` predicate said so). */
  stopped?: boolean;
}

/** What a browser does with plain HTTP: a cookie jar per origin, redirects followed, forms submitted. */
class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name);
  }

  cookieHeader(origin: string): string {
    return [...(this.jar.get(origin) ?? [])].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async navigate(
    start: string | URL,
    init: { method?: string; form?: Record<string, string> } = {},
    stop: (url: URL) => boolean = () => false,
  ): Promise<Step> {
    let url = new URL(start);
    let { method = 'GET', form } = init;
    for (let hop = 0; hop < 20; hop++) {
      if (stop(url)) return { url, stopped: true };
      const response = await fetch(url, {
        method,
        redirect: 'manual',
        headers: {
          cookie: this.cookieHeader(url.origin),
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      });
      this.store(url.origin, response.headers.getSetCookie());
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url, response };
      url = new URL(location, url);
      method = 'GET';
      form = undefined;
    }
    throw new Error('too many redirects');
  }

  private store(origin: string, setCookies: string[]): void {
    const jar = this.jar.get(origin) ?? new Map<string, string>();
    this.jar.set(origin, jar);
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) <= Date.now());
      if (!value || expired) jar.delete(name);
      else jar.set(name, value);
    }
  }
}

/** The one form of an interaction page: where it posts, and its hidden fields. */
function formOf(html: string, page: URL): { action: URL; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form on ${page.href}: ${html.slice(0, 200)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[m[1]] = m[2];
  return { action: new URL(action.replace(/&amp;/g, '&'), page), fields };
}

/** Single sign-on against a real OpenID Provider (oidc-provider), as a browser goes through it. */
describe('gateway single sign-on (OIDC, code flow with PKCE)', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  let provider: ChildProcess | undefined;
  let providerPort: number;
  let callbackUrl: string;
  let admin: string;
  let subscriptions: Subscription[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'vigil-oidc-'));
  const accountsFile = join(dir, 'accounts.json');
  const setAccounts = (accounts: Record<string, Record<string, unknown>>) =>
    writeFileSync(accountsFile, JSON.stringify(accounts));

  const isCallback = (url: URL) => url.href.startsWith(callbackUrl);
  const isGatewayRoot = (url: URL) => url.origin === gw.base && url.pathname === '/';

  /**
   * From the gateway's SSO login through the provider's login and consent forms as `login`; stops
   * before the gateway's callback (`stopAtCallback`) or before the gateway's `/` it sends to.
   */
  async function signIn(browser: Browser, login: string, stopAtCallback = false, cancel = false): Promise<Step> {
    const stop = (url: URL) => (stopAtCallback ? isCallback(url) : isGatewayRoot(url));
    let step = await browser.navigate(`${gw.base}/api/v1/auth/oidc/login`, {}, stop);
    for (let page = 0; page < 3 && !step.stopped && step.url.origin !== gw.base; page++) {
      expect(step.response?.status).toBe(200);
      const html = await step.response!.text();
      const abort = /href="([^"]*\/abort)"/.exec(html)?.[1];
      if (cancel && abort) {
        step = await browser.navigate(new URL(abort, step.url), {}, stop);
        continue;
      }
      const { action, fields } = formOf(html, step.url);
      const form = fields.prompt === 'login' ? { ...fields, login, password: 'any' } : fields;
      step = await browser.navigate(action, { method: 'POST', form }, stop);
    }
    return step;
  }

  const asBrowser = (browser: Browser, path: string, init: RequestInit = {}) =>
    fetch(gw.base + path, { ...init, headers: { ...init.headers, cookie: browser.cookieHeader(gw.base) } });

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    providerPort = await freePort();
    const gatewayPort = await freePort();
    callbackUrl = `http://127.0.0.1:${gatewayPort}/api/v1/auth/oidc/callback`;
    gw = await startGateway(
      {
        ...isolatedGatewayEnv(tbus, tdb, testUrls),
        VIGIL_OIDC_ISSUER: `http://127.0.0.1:${providerPort}`,
        VIGIL_OIDC_CLIENT_ID: CLIENT_ID,
        VIGIL_OIDC_CLIENT_SECRET: CLIENT_SECRET,
        VIGIL_OIDC_REDIRECT_URL: callbackUrl,
        VIGIL_OIDC_SCOPES: 'openid profile email groups',
        VIGIL_OIDC_ROLE_CLAIM: 'groups',
        VIGIL_OIDC_ROLE_MAP: 'vigil-admins=admin,vigil-ops=operator,vigil-viewers=viewer',
        VIGIL_OIDC_ALLOW_HTTP: 'true',
      },
      [],
      gatewayPort,
    );
    admin = await gw.login('admin', TEST_ADMIN_PASSWORD);
    const registry = new Registry();
    const deps = {
      nc: tbus.nc,
      topology: tbus.topology,
      logger: pino({ level: 'silent' }),
      messages: new Counter({ name: 'm', help: 'm', labelNames: ['subject', 'result'], registers: [registry] }),
      duration: new Histogram({ name: 'd', help: 'd', labelNames: ['subject'], registers: [registry] }),
    };
    subscriptions = [serveQuery(deps, registryQueries.listNodes, async () => ({ items: [], total: 0 }))];
  });
  afterAll(async () => {
    for (const s of subscriptions) s.unsubscribe();
    provider?.kill();
    rmSync(dir, { recursive: true, force: true });
    await gw?.close();
    await tbus?.close();
    await tdb?.drop();
  });

  it('answers 503 while the provider is down, password login unaffected; SSO comes up once it answers', async () => {
    const down = await gw.fetch('/api/v1/auth/oidc/login', { redirect: 'manual' });
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ detail: expect.stringMatching(/identity provider/) });
    // The console's SSO button: configured, not usable yet.
    expect(await (await gw.fetch('/api/v1/auth/oidc/status')).json()).toEqual({ enabled: true, available: false });
    expect(await gw.login('admin', TEST_ADMIN_PASSWORD)).toMatch(/^vat1\./);
    setAccounts(ACCOUNTS);
    provider = await startProvider(providerPort, callbackUrl, accountsFile);
    const deadline = Date.now() + 40_000;
    let status = 0;
    while (Date.now() < deadline && status !== 302) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await gw.fetch('/api/v1/auth/oidc/login', { redirect: 'manual' })).status;
    }
    expect(status).toBe(302);
    expect(await (await gw.fetch('/api/v1/auth/oidc/status')).json()).toEqual({ enabled: true, available: true });
  });

  it('redirects to the provider with PKCE S256, state and nonce, the state bound to the browser', async () => {
    const r = await gw.fetch('/api/v1/auth/oidc/login', { redirect: 'manual' });
    const to = new URL(r.headers.get('location')!);
    expect(to.origin).toBe(`http://127.0.0.1:${providerPort}`);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: callbackUrl,
      scope: 'openid profile email groups',
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      state: expect.any(String),
      nonce: expect.any(String),
    });
    expect(r.headers.getSetCookie()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^vigil_oidc_state=${to.searchParams.get('state')}; Max-Age=600; Path=/api/v1/auth/oidc; .*HttpOnly; SameSite=Lax$`,
        ),
      ),
    ]);
  });

  it('signs an operator in: the session cookies read the nodes, the user is created without a password', async () => {
    const browser = new Browser();
    const step = await signIn(browser, 'ana');
    expect(isGatewayRoot(step.url)).toBe(true);
    expect(browser.cookie(gw.base, 'vigil_access')).toMatch(/^vat1\./);
    expect(browser.cookie(gw.base, 'vigil_refresh')).toMatch(/^vrt1_/);
    expect(browser.cookie(gw.base, 'vigil_oidc_state')).toBeUndefined();
    const nodes = await asBrowser(browser, '/api/v1/nodes');
    expect(nodes.status).toBe(200);
    expect(await (await asBrowser(browser, '/api/v1/auth/me')).json()).toEqual({
      kind: 'user',
      id: 'ana',
      role: 'operator',
    });
    const users = (await (await gw.fetch('/api/v1/users', { token: admin })).json()) as {
      users: { username: string; role: string }[];
    };
    expect(users.users).toContainEqual(expect.objectContaining({ username: 'ana', role: 'operator' }));
    // No password: the password login refuses whatever is tried.
    const password = await gw.fetch('/api/v1/auth/login', {
      method: 'POST',
      json: { username: 'ana', password: 'any-password-at-all' },
    });
    expect(password.status).toBe(401);
    // Signing in again finds the same user (by issuer and subject).
    const again = new Browser();
    expect(isGatewayRoot((await signIn(again, 'ana')).url)).toBe(true);
    expect((await asBrowser(again, '/api/v1/auth/me')).status).toBe(200);
  });

  it('decides the role again at every login: a user moved to another group gets its role, their sessions end', async () => {
    const before = new Browser();
    expect(isGatewayRoot((await signIn(before, 'ana')).url)).toBe(true);
    setAccounts({ ...ACCOUNTS, ana: { ...ACCOUNTS.ana, groups: ['vigil-admins'] } });
    try {
      const after = new Browser();
      expect(isGatewayRoot((await signIn(after, 'ana')).url)).toBe(true);
      expect(await (await asBrowser(after, '/api/v1/auth/me')).json()).toMatchObject({ id: 'ana', role: 'admin' });
      expect((await asBrowser(before, '/api/v1/auth/me')).status).toBe(401);
    } finally {
      setAccounts(ACCOUNTS);
    }
  });

  it('gives a viewer a session that reads but is refused operator routes (403)', async () => {
    const browser = new Browser();
    expect(isGatewayRoot((await signIn(browser, 'vic')).url)).toBe(true);
    expect((await asBrowser(browser, '/api/v1/nodes')).status).toBe(200);
    const maintenance = await asBrowser(browser, '/api/v1/nodes/n1/maintenance', {
      method: 'PUT',
      body: JSON.stringify({ reason: 'x' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(maintenance.status).toBe(403);
  });

  it('refuses a disabled SSO user (403), and refuses an SSO user a password (409)', async () => {
    const disabled = await gw.fetch('/api/v1/users/vic/disable', { method: 'POST', token: admin });
    expect(disabled.status).toBeLessThan(300);
    const browser = new Browser();
    const step = await signIn(browser, 'vic');
    expect(step.response?.status).toBe(403);
    expect(await step.response!.json()).toMatchObject({ detail: expect.stringMatching(/disabled/) });
    expect(browser.cookie(gw.base, 'vigil_access')).toBeUndefined();
    const reset = await gw.fetch('/api/v1/users/ana/password', {
      method: 'PUT',
      token: admin,
      json: { password: 'a-password-for-ana-1' },
    });
    expect(reset.status).toBe(409);
  });

  it('refuses a login the user cancelled at the provider (401), naming the error code', async () => {
    const browser = new Browser();
    const step = await signIn(browser, 'ana', false, true);
    expect(step.response?.status).toBe(401);
    expect(await step.response!.json()).toMatchObject({ detail: expect.stringMatching(/refused \(access_denied\)/) });
    expect(browser.cookie(gw.base, 'vigil_access')).toBeUndefined();
  });

  it('refuses a tampered state, echoing neither the code nor the state, and opens no session', async () => {
    const browser = new Browser();
    const step = await signIn(browser, 'ana', true);
    expect(step.stopped && isCallback(step.url)).toBe(true);
    const code = step.url.searchParams.get('code')!;
    expect(code).toBeTruthy();
    const tampered = new URL(step.url);
    tampered.searchParams.set('state', `${step.url.searchParams.get('state')}x`);
    const refused = await browser.navigate(tampered);
    expect(refused.response?.status).toBe(401);
    expect(refused.response?.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const text = await refused.response!.text();
    expect(JSON.parse(text)).toMatchObject({ status: 401, detail: expect.stringMatching(/state/) });
    expect(text).not.toContain(code);
    expect(browser.cookie(gw.base, 'vigil_access')).toBeUndefined();
  });

  it('refuses an account whose groups map to no role (403), creating no user', async () => {
    const browser = new Browser();
    const step = await signIn(browser, 'mallory');
    expect(step.response?.status).toBe(403);
    expect(await step.response!.json()).toMatchObject({ detail: expect.stringMatching(/no Vigil role/) });
    expect(browser.cookie(gw.base, 'vigil_access')).toBeUndefined();
    expect((await gw.fetch('/api/v1/users/mallory', { token: admin })).status).toBe(404);
  });

  it('audits SSO logins and their refusals like password logins, without codes or tokens', async () => {
    const r = await gw.fetch(`/api/v1/audit?action=${encodeURIComponent('GET /api/v1/auth/oidc/callback')}`, {
      token: admin,
    });
    const { items } = (await r.json()) as { items: { actor: string; status: number; outcome: string }[] };
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'user:ana', status: 302, outcome: 'success' }),
        expect.objectContaining({ actor: 'user:vic', status: 302, outcome: 'success' }),
        expect.objectContaining({ actor: 'anonymous', status: 401, outcome: 'failure' }),
        expect.objectContaining({ actor: 'anonymous', status: 403, outcome: 'failure' }),
      ]),
    );
    expect(JSON.stringify(items)).not.toMatch(/code=|state=|vat1\.|vrt1_/);
  });
});
