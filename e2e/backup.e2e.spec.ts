import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupEvents, type BackupRunView } from '@vigil/contracts';
import { createTestDatabase, eventually, findTool, repoRoot, sleep, testGatewayAuth } from '@vigil/test-support';
import { TestPlatform } from './platform';

jest.setTimeout(240_000);

/**
 * backup-svc end to end: two replicas sharing one backup root, the gateway in front. A job is
 * created over REST, run on demand, verified by a restore drill, fails with its reason when its
 * dump cannot be made, and runs on its schedule exactly once per schedule time.
 */
describe('backups through the gateway', () => {
  const platform = new TestPlatform();
  const root = mkdtempSync(join(tmpdir(), 'vigil-backups-'));
  const ports: number[] = [];

  beforeAll(async () => {
    await platform.setup();
    await platform.startGateway();
    const env = { VIGIL_BACKUP_ROOT: root, VIGIL_BACKUP_TICK_MS: '500', VIGIL_BACKUP_ORPHAN_MS: '4000' };
    for (let i = 0; i < 2; i++) ports.push((await platform.startBackup(env)).port);
  });
  afterAll(async () => {
    await platform.teardown();
    rmSync(root, { recursive: true, force: true });
  });

  const api = (path: string, method = 'GET', body?: unknown) =>
    platform.gatewayFetch(`/api/v1/backups${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
  const runsOf = async (job: string): Promise<BackupRunView[]> =>
    ((await (await api(`/runs?job=${job}`)).json()) as { runs: BackupRunView[] }).runs;
  const runOf = async (runId: string) => (await runsOf(runId.split('-')[0])).find((r) => r.runId === runId);

  it('creates a job, refusing a cron it cannot read and a path as its directory', async () => {
    const job = {
      name: 'Nightly',
      postgres: { schemas: [] },
      events: true,
      target: { type: 'local', directory: 'nightly' },
      schedule: { cron: '* * * * *', timeZone: 'Asia/Shanghai' },
      labels: { tier: 'gold' },
    };
    const created = await api('/jobs/nightly', 'PUT', job);
    expect(created.status).toBe(200);
    expect(await created.json()).toEqual({ jobId: 'nightly', changed: true });
    const listed = (await (await api('/jobs')).json()) as { jobs: { job: { id: string }; updatedBy: string }[] };
    expect(listed.jobs).toEqual([
      expect.objectContaining({ job: expect.objectContaining({ id: 'nightly' }), updatedBy: 'user:admin' }),
    ]);

    const badCron = await api('/jobs/other', 'PUT', { ...job, schedule: { cron: '99 * * * *', timeZone: 'UTC' } });
    expect(badCron.status).toBe(400);
    expect(await badCron.text()).toMatch(/Invalid value for minute/);
    const badDir = await api('/jobs/other', 'PUT', { ...job, target: { type: 'local', directory: '../etc' } });
    expect(badDir.status).toBe(400);
    expect(await badDir.text()).toMatch(/not a path/);
  });

  let runId = '';
  it('runs it on demand: the database and the event stream, a checksummed manifest, recorded as who asked', async () => {
    const started = await api('/jobs/nightly/run', 'POST');
    expect(started.status).toBe(202);
    ({ runId } = (await started.json()) as { runId: string });
    const run = await eventually(
      async () => {
        const r = await runOf(runId);
        return r?.state === 'succeeded' ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(run).toMatchObject({ trigger: 'manual', startedBy: 'user:admin', job: 'Nightly', labels: { tier: 'gold' } });
    expect(run.bytes).toBeGreaterThan(0);
    const manifest = JSON.parse(readFileSync(join(root, 'nightly', runId, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts.map((a: { name: string }) => a.name)).toEqual(['postgres.dump', 'events.ndjson.gz']);
    // The platform's own schemas are in it, with their row counts.
    expect(manifest.postgres.tables).toEqual(
      expect.arrayContaining([expect.objectContaining({ schema: 'backup', table: 'jobs', rows: 1 })]),
    );
    expect(manifest.events.lastSeq).toBeGreaterThan(0);
  });

  it('verifies it with a restore drill that measures the restore time', async () => {
    const asked = await api(`/runs/${runId}/verify`, 'POST');
    expect(asked.status).toBe(202);
    const run = await eventually(
      async () => {
        const r = await runOf(runId);
        return r?.drill ? r : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    expect(run.drill).toMatchObject({ outcome: 'verified', failures: [] });
    expect(run.drill?.rtoSeconds).toBeGreaterThan(0);
    // Every replica answers the same gauges, read from the read model; promtool accepts the page.
    for (const port of ports) {
      const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(page).toMatch(/vigil_backup_last_success_timestamp_seconds\{job="Nightly",service="backup-svc"\} \d+/);
      expect(page).toMatch(/vigil_restore_drill_rto_seconds\{job="Nightly",service="backup-svc"\} [\d.]+/);
      expect(page).toMatch(/vigil_backup_size_bytes\{job="Nightly",service="backup-svc"\} \d+/);
      if (!findTool('promtool')) throw new Error('promtool is not installed (Debian package "prometheus")');
      const check = spawnSync('promtool', ['check', 'metrics'], { input: page });
      expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
    }
  });

  it('is driven by `vigil backup` too: runs listed, and a backup restored into a new database', async () => {
    const home = mkdtempSync(join(tmpdir(), 'vigil-cli-backup-'));
    const vigil = (...args: string[]) =>
      spawnSync(process.execPath, [join(repoRoot, 'tools/vigil/vigil.js'), ...args], {
        env: { ...process.env, XDG_CONFIG_HOME: home, VIGIL_PASSWORD: '' },
        encoding: 'utf8',
        input: '',
      });
    const password = join(home, 'pw');
    writeFileSync(password, `${testGatewayAuth.adminPassword}\n`);
    expect(vigil('login', '--url', platform.url('gateway', ''), '--password-file', password).status).toBe(0);
    const listed = vigil('backup', 'runs', '--job', 'nightly');
    expect([listed.status, listed.stderr]).toEqual([0, '']);
    expect((JSON.parse(listed.stdout) as { runs: BackupRunView[] }).runs.map((r) => r.runId)).toContain(runId);

    const target = await createTestDatabase();
    try {
      const restored = vigil('backup', 'restore', runId, '--from', join(root, 'nightly'), '--into', target.url);
      expect([restored.status, restored.stderr]).toEqual([0, '']);
      expect(restored.stdout).toMatch(/^restored backup .+ tables, \d+ rows, row counts as in the manifest/);
      // The platform's live database is refused without --allow-live.
      const live = vigil('backup', 'restore', runId, '--from', join(root, 'nightly'), '--into', platform.db.url);
      expect(live.status).toBe(1);
      expect(live.stderr).toMatch(/it looks live/);
    } finally {
      await target.drop();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('fails a run whose dump cannot be made, saying which step and why, and publishes nothing', async () => {
    const job = {
      name: 'Broken',
      postgres: { schemas: ['nosuch'] },
      events: false,
      target: { type: 'local', directory: 'broken' },
    };
    expect((await api('/jobs/broken', 'PUT', job)).status).toBe(200);
    const { runId: failedId } = (await (await api('/jobs/broken/run', 'POST')).json()) as { runId: string };
    const run = await eventually(
      async () => {
        const r = (await runsOf('broken')).find((x) => x.runId === failedId);
        return r?.state === 'failed' ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(run).toMatchObject({
      step: 'postgres.dump',
      error: 'postgres.dump: no such schema or no tables in it: nosuch',
    });
    expect(existsSync(join(root, 'broken', failedId))).toBe(false);
    // The failure is an event the BackupFailed rule fires on.
    const last = await platform.bus.jsm.streams.getMessage(platform.bus.topology.streams.events, {
      last_by_subj: platform.bus.topology.subjects.events('backup', failedId),
    });
    expect(backupEvents.read(JSON.parse(new TextDecoder().decode(last!.data))).type).toBe('backup.failed');
  });

  it('runs the job on its schedule once per schedule time, with two replicas', async () => {
    const scheduled = await eventually(async () => (await runsOf('nightly')).find((r) => r.trigger === 'schedule'), {
      timeoutMs: 80_000,
      intervalMs: 500,
      what: 'a scheduled run',
    });
    expect(new Date(scheduled.scheduledFor as string).getUTCSeconds()).toBe(0);
    await sleep(3000);
    const same = (await runsOf('nightly')).filter((r) => r.scheduledFor === scheduled.scheduledFor);
    expect(same).toHaveLength(1);
    expect(same[0].startedBy).toBe('service:backup-svc');
  });
});
