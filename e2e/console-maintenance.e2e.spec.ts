import { type Heartbeat, type ListNodesReply, type MaintenanceWindowListReply } from '@vigil/contracts';
import { eventually, requireTool, testGatewayAuth } from '@vigil/test-support';
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

const VIEWER = { username: 'e2e-mw-viewer', password: 'e2e-mw-viewer-password-0123' };
const FLEET = [
  { id: 'mw-web-1', hostname: 'web-1', labels: { rack: '7', role: 'web' } },
  { id: 'mw-web-2', hostname: 'web-2', labels: { rack: '7', role: 'web' } },
  { id: 'mw-db-1', hostname: 'db-1', labels: { rack: '8', role: 'db' } },
];
const REASON = 'rack 7 power work';

/**
 * The console's Maintenance view in a real browser (Debian's chromium, headless, through
 * playwright-core) against a real gateway, registry-svc and metrics-svc: a window is scheduled
 * from the form (the preview of the nodes its matchers select, the API's refusal shown at its
 * field), the matched nodes show as in maintenance in the fleet overview and the others do not;
 * dates in Chinese; the window cancelled and the nodes out of maintenance; a viewer sees the list
 * without the form or the cancel button. axe-core checks every view; screenshots in
 * test-artifacts/console/.
 */
(chromiumPath ? describe : describe.skip)('console: maintenance windows in a browser', () => {
  const platform = new TestPlatform();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base = '';
  let pump: ReturnType<typeof setInterval> | undefined;
  const problems: string[] = [];
  let seq = 0;

  async function heartbeats(): Promise<void> {
    const { js, topology } = platform.bus;
    await Promise.all(
      FLEET.map((n) => {
        const hb: Heartbeat = {
          nodeId: n.id,
          seq: ++seq,
          sentAt: new Date().toISOString(),
          hostname: n.hostname,
          agentVersion: 'e2e-1.0',
          uptimeSeconds: 100 + seq,
          intervalMs: 1000,
          labels: n.labels,
        };
        return js.publish(topology.subjects.heartbeat(n.id), JSON.stringify(hb));
      }),
    );
  }

  const shot = (name: string, p: Page = page) => screenshot(p, name);
  const axe = (name: string, p: Page = page) => expectAccessible(p, name);

  async function signIn(p: Page, path: string, username: string, password: string): Promise<void> {
    await p.goto(`${base}${path}`);
    await p.waitForURL((u) => u.pathname === '/login');
    await p.getByLabel('Username', { exact: true }).fill(username);
    await p.getByLabel('Password', { exact: true }).fill(password);
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.waitForURL((u) => u.pathname === path.split('?')[0]);
  }

  /** The overview's row of a node, by its host name. */
  const fleetRow = (host: string) => page.locator('tr', { has: page.getByRole('link', { name: host, exact: true }) });

  beforeAll(async () => {
    consoleBuilt();
    await platform.setup();
    await Promise.all([platform.startRegistry(), platform.startMetrics(), platform.startGateway()]);
    base = platform.url('gateway', '');
    await heartbeats();
    pump = setInterval(() => void heartbeats().catch((e: Error) => problems.push(`publish: ${e.message}`)), 1000);
    await eventually(
      async () =>
        (await platform.getJson<ListNodesReply>('gateway', '/api/v1/nodes?status=online')).body.items.length ===
        FLEET.length,
      { timeoutMs: 20_000, what: 'the simulated fleet online' },
    );
    browser = await launchChromium(chromiumPath!);
    context = await consoleContext(browser);
    page = await watchedPage(context, problems);
  });

  afterAll(async () => {
    clearInterval(pump);
    await browser?.close();
    await platform.teardown();
  });

  it('opens from the navigation with no window yet', async () => {
    await signIn(page, '/', 'admin', testGatewayAuth.adminPassword);
    await fleetRow('web-1').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Maintenance' }).click();
    await page.waitForURL((u) => u.pathname === '/maintenance');
    await page.getByRole('heading', { name: 'Maintenance windows', level: 1 }).waitFor();
    await page.getByText('No active or scheduled window.').waitFor();
    await page.getByText('Give at least one matcher to see the nodes it selects.').waitFor();
    await shot('40-maintenance-empty');
    await axe('maintenance (empty)');
  });

  it('schedules a window from the form: the preview of the nodes it selects, the refusal at its field', async () => {
    const matcher = page.getByRole('group', { name: 'Matcher 1' });
    await matcher.getByLabel('Label', { exact: true }).fill('rack');
    await matcher.getByLabel('Value', { exact: true }).fill('7');
    const preview = page.locator('[data-preview="nodes"]');
    await page.getByRole('heading', { name: 'Nodes this window would select now: 2' }).waitFor();
    expect(await preview.innerText()).toMatch(/web-1[\s\S]*web-2/);
    expect(await preview.innerText()).not.toMatch(/db-1/);
    // A regex the gateway refuses is named in the preview, as RE2 will run it.
    await matcher.getByLabel('Operator', { exact: true }).selectOption('=~');
    await matcher.getByLabel('Value', { exact: true }).fill('(?=7)7');
    await page.getByText(/No preview: .*lookahead/).waitFor();
    await matcher.getByLabel('Value', { exact: true }).fill('7|9');
    await page.getByRole('heading', { name: 'Nodes this window would select now: 2' }).waitFor();
    await shot('41-maintenance-form');
    await axe('maintenance (form and preview)');

    // No reason: the API refuses it, and the refusal is shown at the reason.
    await page.getByRole('button', { name: 'Schedule window' }).click();
    const reason = page.getByLabel('Reason', { exact: true });
    await page.locator('#mw-error-reason').waitFor();
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    await page.locator('#mw-reason:focus').waitFor();
    await reason.fill(REASON);
    await page.getByRole('button', { name: 'Schedule window' }).click();
    await page.getByText('Window scheduled: 2 nodes selected now.').waitFor();
    const row = page.locator('[data-windows="open"] tr', { has: page.getByRole('rowheader', { name: REASON }) });
    expect(await row.innerText()).toMatch(/rack=~"7\|9"[\s\S]*Active[\s\S]*2[\s\S]*user:admin/);
    const { body } = await platform.getJson<MaintenanceWindowListReply>('gateway', '/api/v1/maintenance-windows');
    expect(body.windows).toMatchObject([{ reason: REASON, state: 'active', nodes: 2, createdBy: 'user:admin' }]);
    await shot('42-maintenance-scheduled');
    await axe('maintenance (scheduled)');
  });

  it('shows the nodes it selects in maintenance in the fleet overview, and only them', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fleet' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.locator('[data-count="count.maintenance"]', { hasText: /^2$/ }).waitFor();
    for (const host of ['web-1', 'web-2']) expect(await fleetRow(host).locator('.badge-maintenance').count()).toBe(1);
    expect(await fleetRow('db-1').locator('.badge-maintenance').count()).toBe(0);
    await page.getByRole('link', { name: /In maintenance/ }).click();
    await page.waitForURL((u) => u.searchParams.get('status') === 'maintenance');
    await fleetRow('db-1').waitFor({ state: 'hidden' });
    await fleetRow('web-2').waitFor();
    await shot('43-overview-window-maintenance');
    await axe('overview (nodes in a window)');
    await fleetRow('web-1').getByRole('link', { name: 'web-1', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/nodes/mw-web-1');
    await page.getByText(new RegExp(REASON)).waitFor();
    await shot('44-node-window-maintenance');
    await axe('node (in a window)');
  });

  it('formats the dates for the language (Chinese)', async () => {
    await page.goto(`${base}/maintenance`);
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('heading', { name: '维护窗口', level: 1 }).waitFor();
    const starts = page.locator('[data-windows="open"] time').first();
    expect(await starts.innerText()).toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
    await shot('45-maintenance-zh');
    await axe('maintenance (Chinese)');
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('heading', { name: 'Maintenance windows', level: 1 }).waitFor();
  });

  it('cancels the window: it moves to the past ones and its nodes leave maintenance', async () => {
    await page.getByRole('button', { name: `Cancel the window "${REASON}"` }).click();
    const past = page.locator('[data-windows="past"] tr', { has: page.getByRole('rowheader', { name: REASON }) });
    await past.waitFor();
    expect(await past.innerText()).toMatch(/Cancelled[\s\S]*cancelled by user:admin/);
    await shot('46-maintenance-cancelled');
    await axe('maintenance (cancelled)');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fleet' }).click();
    await page.locator('[data-count="count.maintenance"]', { hasText: /^0$/ }).waitFor();
    expect(await page.locator('.badge-maintenance').count()).toBe(0);
  });

  it('gives a viewer the list without the form or the cancel button', async () => {
    const created = await platform.gatewayFetch('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...VIEWER, role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const scheduled = await platform.gatewayFetch('/api/v1/maintenance-windows', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: { role: 'db' },
        startsAt: new Date(Date.now() + 3_600_000).toISOString(),
        endsAt: new Date(Date.now() + 7_200_000).toISOString(),
        reason: 'db failover drill',
      }),
    });
    expect(scheduled.status).toBe(201);
    const viewerContext = await consoleContext(browser);
    const p = await watchedPage(viewerContext, problems);
    try {
      await signIn(p, '/maintenance', VIEWER.username, VIEWER.password);
      const row = p.locator('[data-windows="open"] tr', {
        has: p.getByRole('rowheader', { name: 'db failover drill' }),
      });
      await row.waitFor();
      expect(await row.innerText()).toMatch(/Scheduled/);
      expect(await p.getByRole('heading', { name: 'Schedule a window' }).count()).toBe(0);
      expect(await p.getByRole('button', { name: /^Cancel the window/ }).count()).toBe(0);
      await shot('47-maintenance-viewer', p);
      await axe('maintenance (viewer)', p);
    } finally {
      await viewerContext.close();
    }
    expect(problems).toEqual([]);
  });
});
