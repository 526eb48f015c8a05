import { eventually, loginToGateway, requireTool } from '@vigil/test-support';
import type { Browser, BrowserContext, Page, WebSocket } from 'playwright-core';
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

/** The shortest access token the gateway allows: the console must renew it under the test's eyes. */
const ACCESS_TTL_S = 10;
const OPERATOR = { username: 'e2e-session-op', password: 'e2e-session-operator-password-0123' };

/** The console's /ws sockets of a page, as the browser opened them. */
function liveSockets(p: Page): WebSocket[] {
  const sockets: WebSocket[] = [];
  p.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname === '/ws') sockets.push(ws);
  });
  return sockets;
}

/**
 * The console's session in a real browser (Debian's chromium through playwright-core) against a
 * real gateway, registry-svc and metrics-svc: an admin revokes the signed-in user's sessions over the API and
 * the console, told by the live API (close 4001, then a refused refresh), shows the login with
 * "session ended" within 5 s, its /ws closed; an access token that expires is renewed by the
 * console and its socket replaced, the reader still signed in; and the zh-CN login is drawn with
 * a CJK font (fonts-noto-cjk), not boxes. axe-core and a screenshot for every view shown.
 */
(chromiumPath ? describe : describe.skip)('console: the session in a browser', () => {
  const platform = new TestPlatform();
  let browser: Browser;
  let base = '';
  const problems: string[] = [];
  const contexts: BrowserContext[] = [];

  async function newPage(): Promise<Page> {
    const context = await consoleContext(browser);
    contexts.push(context);
    return watchedPage(context, problems);
  }

  async function signIn(p: Page, username: string, password: string): Promise<void> {
    await p.goto(`${base}/`);
    await p.waitForURL((u) => u.pathname === '/login');
    await p.getByLabel('Username', { exact: true }).fill(username);
    await p.getByLabel('Password', { exact: true }).fill(password);
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    await p.locator('.live-open').waitFor({ timeout: 15_000 });
  }

  beforeAll(async () => {
    consoleBuilt();
    await platform.setup();
    await Promise.all([
      platform.startRegistry(),
      platform.startMetrics(),
      platform.startGateway({ VIGIL_AUTH_ACCESS_TTL_S: String(ACCESS_TTL_S) }),
    ]);
    base = platform.url('gateway', '');
    const created = await platform.gatewayFetch('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...OPERATOR, role: 'operator' }),
    });
    expect(created.status).toBe(201);
    browser = await launchChromium(chromiumPath!);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await platform.teardown();
  });

  afterEach(() => expect(problems.splice(0)).toEqual([]));

  it('shows the login with "session ended" within 5 s of an admin revoking the sessions, its /ws closed', async () => {
    const page = await newPage();
    const sockets = liveSockets(page);
    await signIn(page, OPERATOR.username, OPERATOR.password);
    const open = sockets.filter((s) => !s.isClosed());
    expect(open).toHaveLength(1);

    // The admin's token of the start has expired by now (10 s): a fresh one.
    const admin = await loginToGateway(base);
    const revokedAt = Date.now();
    const r = await platform.gatewayFetch(`/api/v1/users/${OPERATOR.username}/sessions/revoke`, {
      method: 'POST',
      token: admin,
    });
    expect(r.status).toBeLessThan(300);
    const ended = page.getByRole('alert').filter({ hasText: 'Your session has ended. Sign in again.' });
    await ended.waitFor({ timeout: 5000 });
    const took = Date.now() - revokedAt;
    console.log(`revoked session: login with "session ended" after ${took} ms`);
    expect(took).toBeLessThan(5000);
    await page.waitForURL((u) => u.pathname === '/login');
    expect(open[0].isClosed()).toBe(true);
    // No socket was opened again for the ended session.
    expect(sockets.every((s) => s.isClosed())).toBe(true);
    await page.getByRole('heading', { name: 'Sign in to Vigil', level: 1 }).waitFor();
    await screenshot(page, '40-session-ended');
    await expectAccessible(page, 'login (session ended)');

    // Signing in again brings the reader back where they were, live.
    await page.getByLabel('Username', { exact: true }).fill(OPERATOR.username);
    await page.getByLabel('Password', { exact: true }).fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    await page.locator('.live-open').waitFor({ timeout: 15_000 });
  });

  it('renews an access token that expires: the socket closed for it is replaced and the reader stays signed in', async () => {
    const page = await newPage();
    const sockets = liveSockets(page);
    await signIn(page, OPERATOR.username, OPERATOR.password);
    const first = sockets[0];
    const closed = await first.waitForEvent('close', { timeout: (ACCESS_TTL_S + 20) * 1000 }).then(() => Date.now());
    const second = await eventually(() => sockets.find((s) => s !== first && !s.isClosed()), {
      timeoutMs: 15_000,
      what: 'a new /ws after the renewal',
    });
    await page.locator('.live-open').waitFor({ timeout: 15_000 });
    console.log(`expired access token: a new socket open ${Date.now() - closed} ms after the old one closed`);
    expect(second.isClosed()).toBe(false);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.getByRole('alert').count()).toBe(0);
    // The new socket's upgrade took the renewed access cookie (an upgrade refreshes nothing itself).
    await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    await screenshot(page, '41-session-renewed');
    await expectAccessible(page, 'overview (token renewed)');
  });

  it('draws the zh-CN login with a CJK font, not boxes', async () => {
    const page = await newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('Language', { exact: true }).selectOption('zh-CN');
    await page.getByRole('heading', { name: '登录 Vigil', level: 1 }).waitFor();
    // Two different characters drawn alike are the font's missing-glyph box: no CJK font is installed.
    const distinct = await page.evaluate(() => {
      interface Canvas {
        width: number;
        height: number;
        getContext(kind: '2d'): { font: string; fillText(text: string, x: number, y: number): void } | null;
        toDataURL(): string;
      }
      const { document } = globalThis as unknown as { document: { createElement(tag: 'canvas'): Canvas } };
      const draw = (ch: string) => {
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 40;
        const ctx = canvas.getContext('2d')!;
        ctx.font = '32px sans-serif';
        ctx.fillText(ch, 2, 34);
        return canvas.toDataURL();
      };
      return draw('会') !== draw('话') && draw('登') !== draw('录');
    });
    expect([distinct, 'CJK glyphs drawn (Debian package fonts-noto-cjk)']).toEqual([
      true,
      'CJK glyphs drawn (Debian package fonts-noto-cjk)',
    ]);
    await screenshot(page, '42-login-zh');
    await expectAccessible(page, 'login (zh-CN)');
  });
});
