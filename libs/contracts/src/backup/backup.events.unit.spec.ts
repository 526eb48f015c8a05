import { backupEvents, backupRunLabels } from './backup.events';

const envelope = (type: string, data: unknown) => ({
  id: '019a0000-0000-7000-8000-000000000001',
  type,
  version: 1,
  subject: 'backup.run-1',
  occurredAt: '2026-12-01T03:00:00.000Z',
  data,
  meta: { correlationId: 'c1', causationId: null, actor: 'service:backup-svc' },
});
const run = {
  runId: 'run-1',
  jobId: 'pg-main',
  job: 'postgres-main',
  startedAt: '2026-12-01T02:00:00.000Z',
  finishedAt: '2026-12-01T02:59:00.000Z',
};

describe('backup event catalog', () => {
  it('reads a succeeded and a failed run, labels defaulting to none', () => {
    expect(backupEvents.read(envelope('backup.succeeded', { ...run, bytes: 1024 })).data).toEqual({
      ...run,
      labels: {},
      bytes: 1024,
    });
    const failed = backupEvents.read(
      envelope('backup.failed', { ...run, node: 'db-1', labels: { tier: 'gold' }, error: 'disk full', exitCode: 2 }),
    );
    expect(failed.type).toBe('backup.failed');
    expect(backupRunLabels(failed.data)).toEqual({ tier: 'gold', job: 'postgres-main', node: 'db-1' });
  });

  it('refuses a failed run without its error, and a run id that is no subject token', () => {
    expect(() => backupEvents.read(envelope('backup.failed', run))).toThrow(/invalid backup.failed v1 data: error/);
    expect(() => backupEvents.read(envelope('backup.succeeded', { ...run, runId: 'a.b' }))).toThrow(/runId/);
  });
});
