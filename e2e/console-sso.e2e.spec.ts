import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, repoRoot, requireTool } from '@vigil/test-support';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  consoleBuilt,
  consoleContext,
  expectAccessible,
  launchChromium,
  screenshot,
  watchedPage,
} from './console-browser';
import { TestPlatform } from './platform';

jest.setTimeout(240_000);

/** Debian's chromium (CI installs it, .ci/run); under CI=true a missing one fails the suite. */
const chromiumPath = requireTool('/usr/bin/chromium', 'chromium');

const CLIENT_ID = 'vigil-console';
const CLIENT_SECRET = 'console-sso-client-secret-0123456789';
/** The provider's one account (the login typed in its form) and the claims it vouches for. */
const ACCOUNTS = { ana: { preferred_username: 'ana', email: 'ana@example.com', groups: ['staff', 'vigil-ops'] } };

/**
 * A real OpenID Provider (the `oidc-provider` package, run by the gateway's test script
 * apps/gateway/src/testing/oidc-provider.mjs) in its own process; resolves once it listens.
 */
function startProvider(port: number, redirectUri: string, accountsFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(repoRoot, 'apps', 'gateway', 'src', 'testing', 'oidc-provider.mjs')], {
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

/**
 * Single sign-on from the console in a real browser (Debian's chromium through playwright-core):
 * the gateway (as a process, with registry-svc and metrics-svc) is configured for a real
 * `oidc-provider`; the reader clicks "Sign in with single sign-on", signs in and consents at the
 * provider's own interaction pages, and lands in the console signed in with the role the
 * provider's `groups` claim maps to (`vigil-ops` → operator). axe-core and a screenshot of the
 * login page with its SSO button and of the console after the return.
 */
(chromiumPath ? describe : describe.skip)('console: single sign-on in a browser', () => {
  const platform = new TestPlatform();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-console-sso-'));
  let provider: ChildProcess | undefined;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base = '';
  let issuer = '';
  const problems: string[] = [];

  beforeAll(async () => {
    consoleBuilt();
    await platform.setup();
    const providerPort = await freePort();
    issuer = `http://127.0.0.1:${providerPort}`;
    base = platform.url('gateway', '');
    const callback = `${base}/api/v1/auth/oidc/callback`;
    const accountsFile = join(dir, 'accounts.json');
    writeFileSync(accountsFile, JSON.stringify(ACCOUNTS));
    provider = await startProvider(providerPort, callback, accountsFile);
    const secretFile = join(dir, 'client-secret');
    writeFileSync(secretFile, CLIENT_SECRET, { mode: 0o600 });
    await Promise.all([
      platform.startRegistry(),
      platform.startMetrics(),
      platform.startGateway({
        VIGIL_OIDC_ISSUER: issuer,
        VIGIL_OIDC_CLIENT_ID: CLIENT_ID,
        VIGIL_OIDC_CLIENT_SECRET_FILE: secretFile,
        VIGIL_OIDC_REDIRECT_URL: callback,
        VIGIL_OIDC_SCOPES: 'openid profile email groups',
        VIGIL_OIDC_ROLE_CLAIM: 'groups',
        VIGIL_OIDC_ROLE_MAP: 'vigil-admins=admin,vigil-ops=operator,vigil-viewers=viewer',
        VIGIL_OIDC_ALLOW_HTTP: 'true',
      }),
    ]);
    await eventually(
      async () => ((await (await fetch(`${base}/api/v1/auth/oidc/status`)).json()) as { available: boolean }).available,
      { timeoutMs: 30_000, what: 'the gateway having read the provider' },
    );
    browser = await launchChromium(chromiumPath!);
    context = await consoleContext(browser);
    // The provider's pages import a web font from the internet: nothing leaves this machine.
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    page = await watchedPage(context, problems);
  });

  afterAll(async () => {
    await browser?.close();
    provider?.kill();
    await platform.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs in through the provider’s pages and lands in the console with the mapped role', async () => {
    await page.goto(`${base}/`);
    await page.waitForURL((u) => u.pathname === '/login');
    const sso = page.getByRole('link', { name: 'Sign in with single sign-on' });
    await sso.waitFor();
    await screenshot(page, '50-login-sso');
    await expectAccessible(page, 'login (with SSO)');
    const consoleProblems = problems.splice(0);
    expect(consoleProblems).toEqual([]);

    await sso.click();
    await page.waitForURL((u) => u.origin === issuer);
    await page.locator('input[name="login"]').fill('ana');
    await page.locator('input[name="password"]').fill('any password: the development form takes every one');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.waitForURL((u) => u.origin === base && u.pathname === '/');
    await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    await page.getByText('Signed in as ana (operator)').waitFor();
    await page.locator('.live-open').waitFor({ timeout: 15_000 });
    // The console's own pages again: what the provider's pages did is not the console's business.
    problems.splice(0);
    await screenshot(page, '51-sso-signed-in');
    await expectAccessible(page, 'overview (after SSO)');
    expect(problems).toEqual([]);

    // The session is the gateway's (its cookies), as after a password login.
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    expect(me).toMatchObject({ id: 'ana', role: 'operator' });
    const user = await platform.getJson<{ role: string }>('gateway', '/api/v1/users/ana');
    expect(user.body.role).toBe('operator');
  });
});
