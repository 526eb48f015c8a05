import {
  type Heartbeat,
  type Inventory,
  inventoryMessage,
  type ListNodesReply,
  type SampleBatch,
  sampleBatchMessage,
} from '@vigil/contracts';
import { eventually, requireTool, loginToGateway, testGatewayAuth } from '@vigil/test-support';
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

const OPERATOR = { username: 'e2e-operator', password: 'e2e-operator-password-0123' };

const FLEET = [
  { id: 'e2e-web-1', hostname: 'web-1', labels: { env: 'prod', role: 'web' } },
  { id: 'e2e-web-2', hostname: 'web-2', labels: { env: 'prod', role: 'web' } },
  { id: 'e2e-db-1', hostname: 'db-1', labels: { env: 'staging', role: 'db' } },
];
const BULK = 1500;

/**
 * The console in a real browser (Debian's chromium, headless, through playwright-core) against a
 * real gateway, registry-svc and metrics-svc: a simulated fleet's heartbeats and samples go through
 * the bus; the browser signs in, filters, opens a node and its charts, switches language and theme,
 * and an operator is kept from the users page. axe-core checks every view (serious and critical
 * violations fail), and every view is saved as a screenshot under test-artifacts/console/ (or
 * $VIGIL_TEST_ARTIFACTS). No CSP violation and no uncaught error may happen in the page.
 */
(chromiumPath ? describe : describe.skip)('console: the web console in a browser', () => {
  const platform = new TestPlatform();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base = '';
  let pump: ReturnType<typeof setInterval> | undefined;
  const problems: string[] = [];
  let seq = 0;

  const heartbeat = (n: { id: string; hostname: string; labels: Record<string, string> }): Heartbeat => ({
    nodeId: n.id,
    seq: ++seq,
    sentAt: new Date().toISOString(),
    hostname: n.hostname,
    agentVersion: 'e2e-1.0',
    uptimeSeconds: 100 + seq,
    intervalMs: 1000,
    labels: n.labels,
  });

  async function publishTick(): Promise<void> {
    const { js, topology } = platform.bus;
    const now = Date.now();
    await Promise.all(
      FLEET.flatMap((n, i) => {
        const hb = heartbeat(n);
        const batch: SampleBatch = {
          nodeId: n.id,
          seq: hb.seq,
          timestamp: now,
          intervalMs: 1000,
          samples: [
            { name: 'node_cpu_usage_percent', labels: {}, value: 20 + 30 * i + 10 * Math.sin(now / 5000) },
            { name: 'node_cpu_usage_percent', labels: { cpu: '0' }, value: 50 },
            { name: 'node_memory_used_ratio', labels: {}, value: 0.3 + 0.2 * i },
            { name: 'node_filesystem_used_ratio', labels: { mount: '/' }, value: 0.4 + 0.1 * i },
            { name: 'node_filesystem_used_ratio', labels: { mount: '/data' }, value: 0.2 },
            { name: 'node_network_receive_bytes_per_second', labels: { device: 'eth0' }, value: 1e6 * (i + 1) },
            { name: 'node_uptime_seconds', labels: {}, value: 3 * 86_400 + 4 * 3600 },
          ],
        };
        const m = sampleBatchMessage(topology, batch);
        return [
          js.publish(topology.subjects.heartbeat(n.id), JSON.stringify(hb)),
          js.publish(m.subject, m.data, { msgID: m.msgId }),
        ];
      }),
    );
  }

  const shot = (name: string) => screenshot(page, name);
  const axe = (name: string) => expectAccessible(page, name);

  const table = () => page.locator('table.node-table');
  const tableHosts = async () => (await table().locator('tbody .col-host a').allTextContents()).sort();
  const text = (selector: string) => page.locator(selector).first().innerText();

  beforeAll(async () => {
    consoleBuilt();
    await platform.setup();
    await Promise.all([platform.startRegistry(), platform.startMetrics(), platform.startGateway()]);
    base = platform.url('gateway', '');
    await publishTick();
    pump = setInterval(() => void publishTick().catch((e: Error) => problems.push(`publish: ${e.message}`)), 1000);
    await eventually(
      async () => {
        const r = await platform.getJson<ListNodesReply>('gateway', '/api/v1/nodes?status=online');
        return r.body.items.length === FLEET.length;
      },
      { timeoutMs: 20_000, what: 'the simulated fleet online' },
    );
    const inventory: Inventory = {
      nodeId: 'e2e-web-1',
      collectedAt: new Date().toISOString(),
      hostname: 'web-1',
      os: { platform: 'linux', distro: 'E2E Linux', release: '12', kernel: '6.1.0-e2e', arch: 'x64' },
      cpu: { model: 'E2E CPU 9000', cores: 8, physicalCores: 4 },
      memoryBytes: 16e9,
      disks: [{ device: 'sda', sizeBytes: 512e9, type: 'ssd' }],
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', ipv4: ['10.0.0.11'], ipv6: [] }],
      gpus: [],
      agentVersion: 'e2e-1.0',
      labels: FLEET[0].labels,
    };
    const inv = inventoryMessage(platform.bus.topology, inventory);
    await platform.bus.js.publish(inv.subject, inv.data, { msgID: inv.msgId });

    browser = await launchChromium(chromiumPath!);
    context = await consoleContext(browser);
    page = await watchedPage(context, problems);
  });

  afterAll(async () => {
    clearInterval(pump);
    await browser?.close();
    await platform.teardown();
  });

  it('serves the console at / and at every client route, never cached, under the gateway’s CSP', async () => {
    for (const path of ['/', '/nodes/e2e-web-1?range=6h', '/users']) {
      const r = await fetch(base + path);
      expect([path, r.status, r.headers.get('cache-control')]).toEqual([path, 200, 'no-store']);
      expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await r.text();
      expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
      expect(html).not.toMatch(/<script>|<style>|\sstyle="/);
    }
    expect((await fetch(`${base}/api/v1/nodes`)).status).toBe(401);
  });

  it('sends a reader to the login, and back to the deep link they asked for', async () => {
    await page.goto(`${base}/?label=env%3Dprod`);
    await page.waitForURL((u) => u.pathname === '/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/?label=env%3Dprod');
    await page.getByLabel('Username', { exact: true }).waitFor();
    await shot('01-login');
    await axe('login');

    await page.getByLabel('Username', { exact: true }).fill('admin');
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toMatch(/Sign-in refused/);

    await page.getByLabel('Username', { exact: true }).fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(testGatewayAuth.adminPassword);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('label') === 'env=prod');
  });

  it('shows the fleet: counts, the busiest nodes, search and the label filter, all in the URL', async () => {
    await eventually(async () => JSON.stringify(await tableHosts()) === JSON.stringify(['web-1', 'web-2']), {
      what: 'the prod nodes only, from the deep link',
    });
    await eventually(async () => (await text('[data-count="count.online"]')) === '3', { what: 'three online' });
    expect(await text('[data-count="count.total"]')).toBe('3');
    expect(await text('[data-count="count.offline"]')).toBe('0');
    // The busiest nodes on CPU: db-1 runs hottest.
    await eventually(async () => (await page.locator('.toplist').first().locator('li').count()) === 3, {
      timeoutMs: 20_000,
      what: 'three nodes in the CPU top list',
    });
    expect(await page.locator('.toplist').first().locator('li a').first().innerText()).toBe('db-1');

    await page.getByRole('button', { name: 'Remove the label filter env=prod' }).click();
    await eventually(async () => (await tableHosts()).length === 3, { what: 'the whole fleet' });
    expect(new URL(page.url()).search).toBe('');
    await page.getByLabel('Label', { exact: true }).selectOption('env=staging');
    await eventually(async () => JSON.stringify(await tableHosts()) === '["db-1"]', { what: 'the staging node' });
    expect(new URL(page.url()).searchParams.getAll('label')).toEqual(['env=staging']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Search', { exact: true }).fill('web-2');
    await eventually(async () => JSON.stringify(await tableHosts()) === '["web-2"]', { what: 'the search' });
    expect(new URL(page.url()).searchParams.get('q')).toBe('web-2');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await eventually(async () => (await tableHosts()).length === 3, { what: 'the whole fleet again' });
    await shot('02-overview');
    await axe('overview');
  });

  it('renders only the rows in view of a large fleet', async () => {
    const { js, topology } = platform.bus;
    for (let start = 0; start < BULK; start += 250) {
      await Promise.all(
        Array.from({ length: Math.min(250, BULK - start) }, (_, k) => {
          const i = start + k;
          const id = `e2e-bulk-${String(i).padStart(4, '0')}`;
          return js.publish(
            topology.subjects.heartbeat(id),
            JSON.stringify(heartbeat({ id, hostname: `bulk-${String(i).padStart(4, '0')}`, labels: { tier: 'bulk' } })),
          );
        }),
      );
    }
    await eventually(
      async () => (await platform.getJson<ListNodesReply>('gateway', '/api/v1/nodes?limit=1')).body.total >= BULK + 3,
      { timeoutMs: 60_000, what: 'the bulk nodes registered' },
    );
    const started = Date.now();
    await page.reload();
    await eventually(async () => (await text('[data-count="count.total"]')) === (BULK + 3).toLocaleString('en-US'), {
      timeoutMs: 30_000,
      what: 'the large fleet counted',
    });
    const loadMs = Date.now() - started;
    const rendered = await table().locator('tbody tr:not(.spacer)').count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(60);
    expect(await table().getAttribute('aria-rowcount')).toBe(String(BULK + 3 + 1));
    // Sorted by host name: bulk-0000 … bulk-1499, db-1, web-1, web-2. At the top the first rows are
    // in the page and the last are not; scrolled to the end, the other way round.
    expect(await tableHosts()).toContain('bulk-0000');
    expect(await tableHosts()).not.toContain('web-2');
    await page.locator('.table-scroll').evaluate((el) => {
      (el as { scrollTop: number; scrollHeight: number }).scrollTop = (el as { scrollHeight: number }).scrollHeight;
    });
    await eventually(async () => (await tableHosts()).includes('web-2'), {
      what: 'the last node rendered after scrolling',
    });
    expect(await tableHosts()).not.toContain('bulk-0000');
    expect(await table().locator('tbody tr:not(.spacer)').count()).toBeLessThan(60);
    process.stdout.write(`${JSON.stringify({ console: { nodes: BULK + 3, loadMs, renderedRows: rendered } })}\n`);
    await page.locator('.table-scroll').evaluate((el) => {
      (el as { scrollTop: number }).scrollTop = 0;
    });
  });

  it('opens a node: its summary, inventory and a chart of each main metric', async () => {
    await page.getByLabel('Label', { exact: true }).selectOption('env=prod');
    await table().getByRole('link', { name: 'web-1', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/nodes/e2e-web-1');
    await page.getByRole('heading', { name: 'web-1', level: 1 }).waitFor();
    await page.getByText('E2E Linux 12').waitFor();
    expect(await page.locator('.summary').innerText()).toMatch(/env=prod/);
    const cpu = page.locator('figure[aria-labelledby="chart-cpu-title"]');
    await cpu.locator('canvas').waitFor({ timeout: 20_000 });
    await eventually(async () => Number(await cpu.getAttribute('data-points')) > 0, { what: 'CPU points' });
    const disk = page.locator('figure[aria-labelledby="chart-disk-title"]');
    await disk.locator('canvas').waitFor();
    expect(await disk.locator('.u-legend').innerText()).toMatch(/\/data/);
    // The fleet is a minute old: the shortest range shows its lines best.
    await page.getByLabel('Range', { exact: true }).selectOption('15m');
    await page.waitForURL((u) => u.searchParams.get('range') === '15m');
    await cpu.locator('canvas').waitFor();
    await eventually(async () => Number(await cpu.getAttribute('data-points')) > 3, { what: 'CPU points over 15 min' });
    await shot('03-node');
    await axe('node');
  });

  it('moves the chart with live samples from /ws within 2 s', async () => {
    const cpu = page.locator('figure[aria-labelledby="chart-cpu-title"]');
    await eventually(async () => (await text('.live')) === 'Live', { what: 'the live API connected' });
    const before = await cpu.getAttribute('data-last');
    const asked = Date.now();
    await eventually(async () => (await cpu.getAttribute('data-last')) !== before, {
      timeoutMs: 2000,
      intervalMs: 50,
      what: 'a live sample on the CPU chart',
    });
    expect(Date.now() - asked).toBeLessThan(2000);
    // The newest point drawn is the sample's own timestamp: from the agent's clock to the screen.
    expect(Date.now() - Number(await cpu.getAttribute('data-last'))).toBeLessThan(2000);
  });

  it('switches to Chinese and to the dark theme, and stays accessible', async () => {
    await page.getByLabel('Language', { exact: true }).selectOption('zh-CN');
    await page.getByRole('link', { name: '主机总览', exact: true }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(
      expect.arrayContaining(['概要', '指标', '硬件与系统']),
    );
    await page.getByRole('button', { name: '深色主题', exact: true }).click();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    expect(await page.getByRole('button', { name: '深色主题', exact: true }).getAttribute('aria-pressed')).toBe('true');
    await page.locator('figure[aria-labelledby="chart-cpu-title"] canvas').waitFor();
    await shot('04-node-zh-dark');
    await axe('node (zh-CN, dark)');
    await page.getByRole('link', { name: '主机总览', exact: true }).click();
    await table().locator('tbody .col-host a').first().waitFor();
    await shot('05-overview-zh-dark');
    await axe('overview (zh-CN, dark)');
    // The choices are kept in this browser.
    await page.reload();
    await page.getByRole('link', { name: '主机总览', exact: true }).waitFor();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.getByLabel('语言', { exact: true }).selectOption('en');
    await page.getByRole('button', { name: 'Dark theme', exact: true }).click();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('light');
  });

  it('shows the users to an admin', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Users' }).click();
    await page.waitForURL((u) => u.pathname === '/users');
    await page.getByRole('rowheader', { name: 'admin' }).waitFor();
    await shot('06-users');
    await axe('users');
  });

  it('keeps an operator from the users page: no entry in the navigation, a forbidden view, 403 from the API', async () => {
    const created = await platform.gatewayFetch('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...OPERATOR, role: 'operator' }),
    });
    expect(created.status).toBe(201);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByLabel('Username', { exact: true }).fill(OPERATOR.username);
    await page.getByLabel('Password', { exact: true }).fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByRole('navigation').getByRole('link', { name: 'Fleet' }).waitFor();
    expect(await page.getByRole('navigation').getByRole('link', { name: 'Users' }).count()).toBe(0);
    expect(await text('.who')).toMatch(/e2e-operator \(operator\)/);

    await page.goto(`${base}/users`);
    await page.getByRole('heading', { name: 'Not allowed', level: 1 }).waitFor();
    expect(await page.locator('table').count()).toBe(0);
    await shot('07-forbidden');
    await axe('forbidden');
    const token = await loginToGateway(base, OPERATOR.username, OPERATOR.password);
    expect((await platform.gatewayFetch('/api/v1/users', { token })).status).toBe(403);
  });

  it('met no CSP refusal, no uncaught error and no failed publish on the way', () => {
    expect(problems).toEqual([]);
  });
});
