import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { backupEvents, type BackupRunView } from '@vigil/contracts';
import { eventually } from '@vigil/test-support';
import { TestPlatform } from './platform';

jest.setTimeout(180_000);

/**
 * backup-svc killed (SIGKILL) in the middle of a dump: the run never looks successful, the next
 * backup-svc fails it and removes what it had written, and the next run succeeds. The dump is held
 * in the middle by a transaction that keeps a table of the dumped schema locked (pg_dump waits for
 * its lock), so the kill lands while pg_dump is running and the staging area exists.
 */
describe('backup-svc killed during a dump', () => {
  const platform = new TestPlatform();
  const root = mkdtempSync(join(tmpdir(), 'vigil-backups-kill-'));
  const env = { VIGIL_BACKUP_ROOT: root, VIGIL_BACKUP_TICK_MS: '500', VIGIL_BACKUP_ORPHAN_MS: '3000' };
  let locker: Client;

  beforeAll(async () => {
    await platform.setup();
    await platform.startGateway();
    locker = new Client({ connectionString: platform.db.url });
    await locker.connect();
    await locker.query('CREATE SCHEMA app; CREATE TABLE app.items (id int); INSERT INTO app.items VALUES (1), (2)');
  });
  afterAll(async () => {
    await locker?.end();
    await platform.teardown();
    rmSync(root, { recursive: true, force: true });
  });

  const api = (path: string, method = 'GET', body?: unknown) =>
    platform.gatewayFetch(`/api/v1/backups${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
  const run = async (runId: string) =>
    ((await (await api('/runs?job=app')).json()) as { runs: BackupRunView[] }).runs.find((r) => r.runId === runId);

  it('never looks successful, is failed by the next backup-svc, and what it wrote is removed', async () => {
    const first = await platform.startBackup(env);
    const job = {
      name: 'App',
      postgres: { schemas: ['app'] },
      events: true,
      target: { type: 'local', directory: 'app' },
    };
    expect((await api('/jobs/app', 'PUT', job)).status).toBe(200);

    await locker.query('BEGIN; LOCK TABLE app.items IN ACCESS EXCLUSIVE MODE');
    const { runId } = (await (await api('/jobs/app/run', 'POST')).json()) as { runId: string };
    const staging = join(root, 'app', `.partial-${runId}`);
    await eventually(() => existsSync(staging), { timeoutMs: 30_000, what: 'the dump under way' });
    first.process.kill('SIGKILL');
    await first.process.waitExit();
    await locker.query('ROLLBACK');
    // No backup-svc answers now; the run's last event is still its start.
    const last = await platform.bus.jsm.streams.getMessage(platform.bus.topology.streams.events, {
      last_by_subj: platform.bus.topology.subjects.events('backup', runId),
    });
    expect(backupEvents.read(JSON.parse(new TextDecoder().decode(last!.data))).type).toBe('backup.started');
    expect(readdirSync(join(root, 'app')).filter((n) => !n.startsWith('.partial-'))).toEqual([]);

    await platform.startBackup(env);
    const failed = await eventually(
      async () => {
        const r = await run(runId);
        return r?.state === 'failed' ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the killed run failed' },
    );
    expect(failed).toMatchObject({ step: 'runner', error: expect.stringMatching(/backup-svc stopped during the run/) });
    await eventually(() => !existsSync(staging), { timeoutMs: 30_000, what: 'the staging area removed' });

    const { runId: again } = (await (await api('/jobs/app/run', 'POST')).json()) as { runId: string };
    const ok = await eventually(
      async () => {
        const r = await run(again);
        return r?.state === 'succeeded' ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the next run succeeded' },
    );
    expect(ok.bytes).toBeGreaterThan(0);
    expect(readdirSync(join(root, 'app'))).toEqual([again]);
  });
});
