// npm test may run this suite beside another one: the bounds it asserts are not times (tools/test/run-tests.js).
import { type ApiKeyView, type AuditRecordView } from '@vigil/contracts';
import { freePort, loginToGateway, requireTool, ServiceProcess, testGatewayAuth } from '@vigil/test-support';
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

const OPERATOR = { username: 'e2e-admin-operator', password: 'e2e-admin-operator-password-0123' };

/**
 * The console's admin views in a real browser (Debian's chromium, headless, through playwright-core)
 * against a real gateway, registry-svc and backup-svc (metrics-svc and alert-svc are not started, so
 * the status page shows them down): the audit trail with a record made during the test arriving
 * live, its filters and pages in the URL; an API key created (its secret shown once, copied, never
 * again: not in the page afterwards nor in any API answer) and revoked after a confirmation; the
 * platform status read again by itself; and an operator without any of them. axe-core on every view
 * and dialog; screenshots in test-artifacts/console/.
 */
(chromiumPath ? describe : describe.skip)('console: admin views in a browser', () => {
  const platform = new TestPlatform();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base = '';
  const problems: string[] = [];

  const shot = (name: string) => screenshot(page, name);
  const axe = (name: string) => expectAccessible(page, name);
  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    platform.gatewayFetch(path, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    });
  const nav = () => page.getByRole('navigation', { name: 'Main' });

  beforeAll(async () => {
    consoleBuilt();
    await platform.setup();
    const backupPort = await freePort();
    const backup = new ServiceProcess('backup-svc', {
      ...platform.env('backup-svc'),
      VIGIL_BACKUP_PORT: String(backupPort),
    }).start();
    platform.processes.push(backup);
    await Promise.all([
      platform.startRegistry(),
      platform.startGateway(),
      backup.waitHttpOk(`http://127.0.0.1:${backupPort}/health/ready`, 60_000),
    ]);
    base = platform.url('gateway', '');
    browser = await launchChromium(chromiumPath!);
    context = await consoleContext(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await watchedPage(context, problems);
  });

  afterAll(async () => {
    await browser?.close();
    await platform.teardown();
  });

  it('shows the audit trail, and a record made meanwhile arrives live without a reload', async () => {
    await page.goto(`${base}/audit`);
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByLabel('Username', { exact: true }).fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(testGatewayAuth.adminPassword);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/audit');
    await page.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
    await page.locator('.live-open').waitFor({ timeout: 10_000 });
    // The sign-in itself is in the trail.
    await page.locator('tr', { hasText: 'POST /api/v1/auth/login' }).first().waitFor();
    await page.evaluate(() => Object.assign(globalThis, { __notReloaded: true }));

    const created = await api('/api/v1/users', {
      method: 'POST',
      body: JSON.stringify({ username: 'e2e-live-audit', role: 'viewer', password: 'e2e-live-audit-password-0' }),
    });
    expect(created.status).toBe(201);
    const fresh = page.locator('tr[data-fresh="true"]', { hasText: 'e2e-live-audit' });
    await fresh.waitFor({ timeout: 10_000 });
    expect(await fresh.innerText()).toMatch(/user:admin[\s\S]*POST \/api\/v1\/users[\s\S]*201/);
    // What was sent, with the password replaced by the gateway.
    expect(await fresh.innerText()).toContain('"password":"[redacted]"');
    expect(await page.evaluate(() => (globalThis as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
    await shot('30-audit');
    await axe('audit');
  });

  it('keeps the audit filters and page in the URL, read from the server', async () => {
    await page.getByRole('searchbox', { name: 'Text' }).fill('e2e-live-audit');
    await page.getByLabel('Outcome').selectOption('success');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(
      (u) => u.searchParams.get('q') === 'e2e-live-audit' && u.searchParams.get('outcome') === 'success',
    );
    await page.locator('table[data-view="audit"] caption', { hasText: '1 shown' }).waitFor();
    await page.reload();
    await page.locator('table[data-view="audit"] caption', { hasText: '1 shown' }).waitFor();
    expect(await page.getByRole('searchbox', { name: 'Text' }).inputValue()).toBe('e2e-live-audit');
    await page.getByLabel('Outcome').selectOption('failure');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No record matches these filters.').waitFor();

    // More records than a page (each refused create is a failure by the admin): the older page by `before`.
    for (let i = 0; i < 52; i++) expect((await api('/api/v1/users', { method: 'POST', body: '{}' })).status).toBe(400);
    await page.goto(`${base}/audit?actor=user%3Aadmin&outcome=failure`);
    await page.locator('table[data-view="audit"] caption', { hasText: '50 shown' }).waitFor();
    const newest = await page.locator('tr[data-seq]').first().getAttribute('data-seq');
    await page.getByRole('link', { name: 'Older records' }).click();
    await page.waitForURL((u) => u.searchParams.has('before') && u.searchParams.get('actor') === 'user:admin');
    await page.locator('[data-audit-live="off"]').waitFor();
    await page.locator('table[data-view="audit"] caption', { hasText: '2 shown' }).waitFor();
    expect(Number(await page.locator('tr[data-seq]').first().getAttribute('data-seq'))).toBeLessThan(Number(newest));
    await shot('31-audit-older-page');
    await axe('audit (older page)');
    await page.getByRole('link', { name: 'Back to the newest' }).click();
    await page.waitForURL((u) => !u.searchParams.has('before'));
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((u) => u.pathname === '/audit' && u.search === '');
  });

  it('creates an API key, shows its secret once with a copy button, and revokes it after a confirmation', async () => {
    await nav().getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const create = page.getByRole('dialog', { name: 'New API key' });
    await create.waitFor();
    await create.getByRole('button', { name: 'Create' }).click();
    await create.getByText('Give the key a name of 1 to 100 characters.').waitFor();
    expect(await create.getByLabel('Name').evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await create.getByLabel('Name').fill('e2e-grafana');
    await create.getByLabel('Role').selectOption('viewer');
    await create.getByLabel('Expires in (days)').fill('30');
    await create.getByLabel('Label scope (optional)').fill('env=prod, team');
    await create.getByRole('button', { name: 'Create' }).click();
    await create.getByText('Not a label of the form name=value: team').waitFor();
    await create.getByLabel('Label scope (optional)').fill('env=prod');
    await shot('32-key-create');
    await axe('create key dialog');
    await create.getByRole('button', { name: 'Create' }).click();

    const shown = page.getByRole('dialog', { name: 'Copy the key now' });
    await shown.waitFor();
    const secret = await shown.getByLabel('The new key').inputValue();
    expect(secret).toMatch(/^vgl_[A-Za-z0-9]{36}$/);
    await shown.getByRole('button', { name: 'Copy' }).click();
    await shown.getByText('Copied to the clipboard.').waitFor();
    // What the page put on the clipboard (typed by hand: the e2e suites compile without the DOM lib).
    const clipboard = () =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText();
    expect(await page.evaluate(clipboard)).toBe(secret);
    await shot('33-key-secret');
    await axe('key secret dialog');
    await shown.getByRole('button', { name: 'I have copied it' }).click();
    await shown.waitFor({ state: 'hidden' });

    // Never again: not in the page, not in the list, not in the audit trail; the key itself works.
    const row = page.locator('tr[data-key]', { hasText: 'e2e-grafana' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(
      /e2e-grafana[\s\S]*viewer[\s\S]*env=prod[\s\S]*by user:admin[\s\S]*never[\s\S]*active/,
    );
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);
    const list = await (await api('/api/v1/keys')).text();
    expect(list).toContain('e2e-grafana');
    expect(list).not.toContain(secret);
    const trail = await (await api('/api/v1/audit?limit=500')).text();
    expect(trail).not.toContain(secret);
    expect((await platform.gatewayFetch('/api/v1/auth/me', { token: secret })).status).toBe(200);
    const keyId = (
      (JSON.parse(list) as { keys: ApiKeyView[] }).keys.find((k) => k.name === 'e2e-grafana') as ApiKeyView
    ).id;
    await page.locator(`tr[data-key="${keyId}"]`).waitFor();
    await shot('34-keys');
    await axe('keys');

    // Revoke: Escape cancels (the focus back on the button), then confirmed.
    const revokeButton = page.getByRole('button', { name: 'Revoke e2e-grafana' });
    await revokeButton.click();
    const confirm = page.getByRole('dialog', { name: 'Revoke this key?' });
    await confirm.waitFor();
    expect(await confirm.innerText()).toContain(keyId);
    await axe('revoke dialog');
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect(await revokeButton.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    expect((await platform.gatewayFetch('/api/v1/auth/me', { token: secret })).status).toBe(200);
    await revokeButton.click();
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByText('Key e2e-grafana revoked.').waitFor();
    await page.locator(`tr[data-key="${keyId}"]`, { hasText: 'revoked' }).waitFor();
    expect(await revokeButton.count()).toBe(0);
    expect((await platform.gatewayFetch('/api/v1/auth/me', { token: secret })).status).toBe(401);
    const revoked = (await (
      await api(`/api/v1/audit?action=${encodeURIComponent('DELETE /api/v1/keys/:id')}`)
    ).json()) as {
      items: AuditRecordView[];
    };
    expect(revoked.items.map((r) => [r.actor, r.target])).toEqual([['user:admin', `/api/v1/keys/${keyId}`]]);
    await shot('35-key-revoked');
  });

  it('shows the platform status, services down among them, and reads it again by itself', async () => {
    await nav().getByRole('link', { name: 'Status' }).click();
    await page.getByRole('heading', { name: 'Platform status', level: 1 }).waitFor();
    const service = (name: string) => page.locator(`tr[data-service="${name}"]`);
    await service('gateway').waitFor();
    expect(await service('gateway').getAttribute('data-state')).toBe('up');
    expect(await service('registry-svc').getAttribute('data-state')).toBe('up');
    expect(await service('backup-svc').getAttribute('data-state')).toBe('up');
    expect(await service('alert-svc').getAttribute('data-state')).toBe('down');
    expect(await service('alert-svc').innerText()).toContain('No replica answered.');
    expect(await service('registry-svc').innerText()).toMatch(/postgres: up/);
    expect(await page.locator('[data-platform-status]').innerText()).toBe('Platform: a service is down');
    await page.locator('tr[data-reader="registry-heartbeats"]').waitFor();
    await page.locator('tr[data-dlq="registry-svc"]').waitFor();
    await shot('36-status');
    await axe('status');
    // Read again by itself (every 10 s), without a reload.
    const again = await page.waitForResponse((r) => r.url().endsWith('/api/v1/platform/status'), { timeout: 20_000 });
    expect(again.status()).toBe(200);
  });

  it('keeps an operator from the admin views: no entry in the navigation, "not allowed", 403 from the API', async () => {
    const created = await api('/api/v1/users', {
      method: 'POST',
      body: JSON.stringify({ ...OPERATOR, role: 'operator' }),
    });
    expect(created.status).toBe(201);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    const chunks: string[] = [];
    page.on('request', (r) => {
      if (/\/assets\/views-/.test(r.url())) chunks.push(r.url());
    });
    await page.getByLabel('Username', { exact: true }).fill(OPERATOR.username);
    await page.getByLabel('Password', { exact: true }).fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await nav().getByRole('link', { name: 'Fleet' }).waitFor();
    for (const name of ['Audit', 'API keys', 'Status']) expect(await nav().getByRole('link', { name }).count()).toBe(0);
    for (const path of ['/audit?q=x', '/keys', '/status']) {
      await page.goto(`${base}${path}`);
      await page.getByRole('heading', { name: 'Not allowed', level: 1 }).waitFor();
      expect(await page.locator('table').count()).toBe(0);
    }
    await shot('37-admin-forbidden');
    await axe('admin view forbidden');
    // The admin views' code is never fetched for an operator.
    expect(chunks).toEqual([]);
    const token = await loginToGateway(base, OPERATOR.username, OPERATOR.password);
    for (const path of ['/api/v1/audit', '/api/v1/keys', '/api/v1/platform/status'])
      expect([path, (await platform.gatewayFetch(path, { token })).status]).toEqual([path, 403]);
  });

  it('met no CSP refusal and no uncaught error on the way', () => {
    expect(problems).toEqual([]);
  });
});
