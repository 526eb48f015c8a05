import { type Heartbeat, type Inventory, inventoryMessage, type ListNodesReply } from '@vigil/contracts';
import { eventually, requireTool, testGatewayAuth } from '@vigil/test-support';
import type { Browser, Page } from 'playwright-core';
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

const FLEET = [
  { id: 'e2e-lbl-1', hostname: 'lbl-1' },
  { id: 'e2e-lbl-2', hostname: 'lbl-2' },
];

/**
 * A node's labels changing under the open console (Debian's chromium through playwright-core,
 * against a real gateway, registry-svc and metrics-svc): the test publishes the node's heartbeats
 * and then an inventory with other labels on the bus, as its agent would; registry-svc appends
 * `node.labels_changed`, the live API forwards it, and the overview's label filter follows it with
 * no reload: the node leaves the `env=prod` view and `env=staging` becomes a choice that finds it.
 */
(chromiumPath ? describe : describe.skip)('console: label changes in the fleet overview, live', () => {
  const platform = new TestPlatform();
  let browser: Browser;
  let page: Page;
  let base = '';
  let seq = 0;
  const problems: string[] = [];

  const heartbeat = (n: (typeof FLEET)[number]) => {
    const hb: Heartbeat = {
      nodeId: n.id,
      seq: ++seq,
      sentAt: new Date().toISOString(),
      hostname: n.hostname,
      agentVersion: 'e2e-1.0',
      uptimeSeconds: seq,
      intervalMs: 1000,
      labels: { env: 'prod' },
    };
    return platform.bus.js.publish(platform.bus.topology.subjects.heartbeat(n.id), JSON.stringify(hb));
  };
  const tableHosts = async () => (await page.locator('table tbody .col-host a').allTextContents()).sort();

  beforeAll(async () => {
    consoleBuilt();
    await platform.setup();
    await Promise.all([platform.startRegistry(), platform.startMetrics(), platform.startGateway()]);
    base = platform.url('gateway', '');
    await Promise.all(FLEET.map(heartbeat));
    await eventually(
      async () =>
        (await platform.getJson<ListNodesReply>('gateway', '/api/v1/nodes?status=online')).body.items.length ===
        FLEET.length,
      { timeoutMs: 20_000, what: 'the nodes online' },
    );
    browser = await launchChromium(chromiumPath!);
    page = await watchedPage(await consoleContext(browser), problems);
  });

  afterAll(async () => {
    await browser?.close();
    await platform.teardown();
  });

  it('moves a node out of the label filter and into another as its labels change, without a reload', async () => {
    await page.goto(`${base}/?label=env%3Dprod`);
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByLabel('Username', { exact: true }).fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(testGatewayAuth.adminPassword);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('label') === 'env=prod');
    await page.locator('.live-open').waitFor({ timeout: 15_000 });
    await eventually(async () => JSON.stringify(await tableHosts()) === '["lbl-1","lbl-2"]', {
      what: 'both nodes under env=prod',
    });
    const choices = () => page.getByLabel('Label', { exact: true }).locator('option').allTextContents();
    expect(await choices()).not.toContain('env=staging');
    // A mark on the window: a reload would lose it.
    await page.evaluate(() => Object.assign(globalThis, { __notReloaded: true }));

    const inventory: Inventory = {
      nodeId: FLEET[0].id,
      collectedAt: new Date().toISOString(),
      hostname: FLEET[0].hostname,
      os: { platform: 'linux', distro: 'E2E Linux', release: '12', kernel: '6.1.0-e2e', arch: 'x64' },
      cpu: { model: 'E2E CPU', cores: 2, physicalCores: 1 },
      memoryBytes: 4e9,
      disks: [],
      interfaces: [],
      gpus: [],
      agentVersion: 'e2e-1.0',
      labels: { env: 'staging', team: 'web' },
    };
    const inv = inventoryMessage(platform.bus.topology, inventory);
    const sent = Date.now();
    await platform.bus.js.publish(inv.subject, inv.data, { msgID: inv.msgId });
    await eventually(async () => JSON.stringify(await tableHosts()) === '["lbl-2"]', {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: 'lbl-1 gone from the env=prod view',
    });
    console.log(`label change: the overview followed it ${Date.now() - sent} ms after the inventory was published`);
    expect(await page.evaluate(() => (globalThis as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
    expect(await choices()).toEqual(expect.arrayContaining(['env=staging', 'team=web']));
    await screenshot(page, '60-overview-label-moved');
    await expectAccessible(page, 'overview (a node moved out of the label filter)');

    await page.getByRole('button', { name: 'Remove the label filter env=prod' }).click();
    await page.getByLabel('Label', { exact: true }).selectOption('env=staging');
    await page.waitForURL((u) => u.searchParams.getAll('label').join() === 'env=staging');
    await eventually(async () => JSON.stringify(await tableHosts()) === '["lbl-1"]', {
      what: 'lbl-1 under env=staging',
    });
    expect(await page.evaluate(() => (globalThis as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
    expect(problems).toEqual([]);
  });
});
