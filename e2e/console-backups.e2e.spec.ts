import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@vigil/test-support';
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

jest.setTimeout(300_000);

/** Debian's chromium (CI installs it, .ci/run); under CI=true a missing one fails the suite. */
const chromiumPath = requireTool('/usr/bin/chromium', 'chromium');

const OPERATOR = { username: 'e2e-backups-operator', password: 'e2e-backups-operator-password-0123' };
const VIEWER = { username: 'e2e-backups-viewer', password: 'e2e-backups-viewer-password-0123' };
const JOB = 'e2e-console';

/**
 * The console's Backups view in a real browser against a real gateway and one backup-svc (its
 * backup root a temporary folder, its scheduler ticking every 500 ms): an operator creates a job in
 * the form (a cron backup-svc cannot read refused first, at its field), runs it and watches the run
 * succeed without a reload, starts a restore drill and sees its outcome and RTO arrive live, filters
 * the runs by job (in the URL), and sees a failed run's step and error; a viewer reads it all
 * without any control. axe-core on every view; screenshots in test-artifacts/console/.
 */
(chromiumPath ? describe : describe.skip)('console: backups in a browser', () => {
  const platform = new TestPlatform();
  const root = mkdtempSync(join(tmpdir(), 'vigil-console-backups-'));
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base = '';
  let runId = '';
  const problems: string[] = [];

  const shot = (name: string, p: Page = page) => screenshot(p, name);
  const axe = (name: string, p: Page = page) => expectAccessible(p, name);
  const runRow = (p: Page, id: string) => p.locator(`tr[data-run="${id}"]`);

  async function signIn(p: Page, path: string, user: { username: string; password: string }): Promise<void> {
    await p.goto(`${base}${path}`);
    await p.waitForURL((u) => u.pathname === '/login');
    await p.getByLabel('Username', { exact: true }).fill(user.username);
    await p.getByLabel('Password', { exact: true }).fill(user.password);
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.waitForURL((u) => u.pathname === path.split('?')[0]);
  }

  const api = (path: string, method = 'GET', body?: unknown) =>
    platform.gatewayFetch(path, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });

  async function createUser(user: { username: string; password: string }, role: string): Promise<void> {
    expect((await api('/api/v1/users', 'POST', { ...user, role })).status).toBe(201);
  }

  beforeAll(async () => {
    consoleBuilt();
    await platform.setup();
    await platform.startGateway();
    await platform.startBackup({ VIGIL_BACKUP_ROOT: root, VIGIL_BACKUP_TICK_MS: '500' });
    base = platform.url('gateway', '');
    await createUser(OPERATOR, 'operator');
    await createUser(VIEWER, 'viewer');
    browser = await launchChromium(chromiumPath!);
    context = await consoleContext(browser);
    page = await watchedPage(context, problems);
  });

  afterAll(async () => {
    await browser?.close();
    await platform.teardown();
    rmSync(root, { recursive: true, force: true });
  });

  it('creates a job in the form, showing the API’s refusal of a bad cron at its field first', async () => {
    await signIn(page, '/backups', OPERATOR);
    await page.getByRole('heading', { name: 'Backups and restore drills', level: 1 }).waitFor();
    await page.getByText('No backup job yet.').waitFor();
    expect(await page.getByRole('navigation').getByRole('link', { name: 'Backups' }).getAttribute('aria-current')).toBe(
      'page',
    );
    await page.getByRole('button', { name: 'New job' }).click();
    const form = page.getByRole('form', { name: 'New backup job' });
    await form.getByLabel('Id', { exact: true }).fill(JOB);
    await form.getByLabel('Name', { exact: true }).fill('E2E console');
    await form.getByLabel('Schemas', { exact: true }).fill('backup');
    await form.getByLabel('Directory', { exact: true }).fill('e2e-console');
    await form.getByLabel('Schedule (cron)').fill('99 * * * *');
    await form.getByLabel('Time zone').fill('Asia/Shanghai');
    await form.getByRole('button', { name: 'Save job' }).click();

    const cron = form.getByLabel('Schedule (cron)');
    await form.locator('#backup-error-cron', { hasText: 'Invalid value for minute' }).waitFor();
    expect(await cron.getAttribute('aria-invalid')).toBe('true');
    expect(await cron.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await shot('70-backup-job-refused');
    await axe('backup job form (refused)');

    await cron.fill('0 3 * * *');
    await form.getByRole('button', { name: 'Save job' }).click();
    const row = page.locator(`tr[data-job="${JOB}"]`);
    await row.waitFor();
    expect(await row.innerText()).toMatch(
      /E2E console[\s\S]*changed by user:e2e-backups-operator[\s\S]*schemas backup · event stream[\s\S]*e2e-console[\s\S]*0 3 \* \* \*\s+Asia\/Shanghai[\s\S]*0 4 \* \* 0\s+UTC[\s\S]*last 2, 7 daily, 4 weekly, 12 monthly[\s\S]*Never[\s\S]*Never/,
    );
    const stored = (await (await api('/api/v1/backups/jobs')).json()) as {
      jobs: { job: { id: string; postgres?: { schemas: string[] }; schedule: unknown }; updatedBy: string }[];
    };
    expect(stored.jobs).toEqual([
      expect.objectContaining({
        job: expect.objectContaining({
          id: JOB,
          postgres: { schemas: ['backup'] },
          schedule: { cron: '0 3 * * *', timeZone: 'Asia/Shanghai' },
        }),
        updatedBy: `user:${OPERATOR.username}`,
      }),
    ]);
  });

  it('runs it now and shows the run succeed live, then a restore drill’s outcome and RTO, without a reload', async () => {
    await page.locator('.live-open').waitFor({ timeout: 10_000 });
    await page.evaluate(() => Object.assign(globalThis, { __notReloaded: true }));
    await page.getByRole('button', { name: 'Run now: E2E console' }).click();
    const started = page.locator('[data-started]');
    await started.waitFor();
    runId = (await started.getAttribute('data-started')) ?? '';
    expect(runId).toMatch(/^e2e-console-/);
    const row = runRow(page, runId);
    await page.locator(`tr[data-run="${runId}"][data-state="succeeded"]`).waitFor({ timeout: 120_000 });
    expect(await row.innerText()).toMatch(/Manual[\s\S]*user:e2e-backups-operator[\s\S]*Succeeded[\s\S]*took/);
    expect(await row.innerText()).toMatch(/\d(\.\d)? (kB|MB|B)\b/);
    await page.locator(`tr[data-job="${JOB}"] td[data-last-run="succeeded"]`).waitFor();

    await page.getByRole('button', { name: `Verify ${runId} (a restore drill)` }).click();
    await page.getByText(`Restore drill of ${runId} started.`).waitFor();
    await page.locator(`tr[data-run="${runId}"][data-drill="verified"]`).waitFor({ timeout: 120_000 });
    expect(await row.locator('[data-rto]').innerText()).toMatch(/^RTO \d+(\.\d)? sec$|^RTO \d+ min/);
    await page.locator(`tr[data-job="${JOB}"] td[data-last-drill="verified"]`, { hasText: 'RTO' }).waitFor();
    expect(await page.evaluate(() => (globalThis as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
    await shot('71-backups');
    await axe('backups');
  });

  it('filters the runs by job in the URL, and shows why a run failed', async () => {
    const broken = {
      name: 'Broken',
      postgres: { schemas: ['nosuch'] },
      events: false,
      target: { type: 'local', directory: 'broken' },
    };
    expect((await api('/api/v1/backups/jobs/broken', 'PUT', broken)).status).toBe(200);
    const asked = await api('/api/v1/backups/jobs/broken/run', 'POST');
    expect(asked.status).toBe(202);
    const { runId: failedId } = (await asked.json()) as { runId: string };
    // Jobs changed elsewhere are not in the live topic: a reload shows the new job; its run arrives live.
    await page.reload();
    const failed = page.locator(`tr[data-run="${failedId}"][data-state="failed"]`);
    await failed.waitFor({ timeout: 60_000 });
    expect(await failed.innerText()).toMatch(
      /Failed[\s\S]*Step postgres\.dump[\s\S]*no such schema or no tables in it: nosuch/,
    );

    await page.getByLabel('Job', { exact: true }).selectOption(JOB);
    await page.waitForURL((u) => u.searchParams.get('job') === JOB);
    await runRow(page, runId).waitFor();
    await runRow(page, failedId).waitFor({ state: 'detached' });
    await page.reload();
    await runRow(page, runId).waitFor();
    expect(await page.locator('tr[data-run]').count()).toBe(1);
    expect(await page.getByLabel('Job', { exact: true }).inputValue()).toBe(JOB);
    await shot('72-backups-one-job');
    await axe('backups (one job)');
  });

  it('pauses and resumes a job', async () => {
    await page.getByRole('button', { name: 'Pause E2E console' }).click();
    await page.locator(`tr[data-job="${JOB}"][data-paused="true"]`, { hasText: 'Paused' }).waitFor();
    await page.getByRole('button', { name: 'Resume E2E console' }).click();
    await page.locator(`tr[data-job="${JOB}"][data-paused="false"]`).waitFor();
  });

  it('gives a viewer the jobs and runs to read, without any control', async () => {
    const viewerContext = await consoleContext(browser);
    const p = await watchedPage(viewerContext, problems);
    try {
      await signIn(p, '/backups', VIEWER);
      await runRow(p, runId).waitFor();
      await p.locator(`tr[data-run="${runId}"][data-drill="verified"]`).waitFor();
      await p.locator(`tr[data-job="${JOB}"]`).waitFor();
      for (const name of ['New job', 'Run now: E2E console', 'Pause E2E console', `Verify ${runId} (a restore drill)`])
        expect([name, await p.getByRole('button', { name }).count()]).toEqual([name, 0]);
      expect(await p.locator('table[data-view="backup-jobs"] th', { hasText: 'Actions' }).count()).toBe(0);
      await shot('73-backups-viewer', p);
      await axe('backups (viewer)', p);
    } finally {
      await viewerContext.close();
    }
    expect(problems).toEqual([]);
  });
});
