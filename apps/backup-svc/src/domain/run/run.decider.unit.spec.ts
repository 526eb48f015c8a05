import { deciderSpec } from '@vigil/test-support';
import { runDecider } from './run.decider';

const ref = { runId: 'nightly-1', jobId: 'nightly', job: 'Nightly', labels: { tier: 'gold' } };
const { given } = deciderSpec(runDecider, {
  subject: 'backup.nightly-1',
  occurredAt: '2026-12-07T02:00:00.000Z',
  actor: 'service:backup-svc',
});
const started = {
  type: 'backup.started',
  data: {
    ...ref,
    trigger: 'schedule',
    scheduledFor: '2026-12-07T02:00:00.000Z',
    startedAt: '2026-12-07T02:00:01.000Z',
  },
} as const;
const succeeded = {
  type: 'backup.succeeded',
  data: {
    ...ref,
    startedAt: '2026-12-07T02:00:01.000Z',
    finishedAt: '2026-12-07T02:03:00.000Z',
    bytes: 4096,
    manifestSha256: 'a'.repeat(64),
    location: 'directory /backups/nightly',
  },
} as const;
const drill = (rtoSeconds: number, previousRtoSeconds?: number, failures: string[] = []) => ({
  type: 'RecordDrill' as const,
  drill: {
    at: '2026-12-07T04:00:00.000Z',
    steps: [{ step: 'postgres.restore', ms: 900 }],
    failures,
    rtoSeconds,
    previousRtoSeconds,
  },
});

describe('backup run decider', () => {
  it('starts once and finishes once, a failure saying which step, the exit code and stderr', () => {
    given()
      .when({
        type: 'StartRun',
        ref,
        trigger: 'schedule',
        scheduledFor: '2026-12-07T02:00:00.000Z',
        at: '2026-12-07T02:00:01.000Z',
      })
      .then([started]);
    given(started)
      .when({ type: 'StartRun', ref, trigger: 'manual', at: 'x' })
      .thenThrows(/already started/);
    given(started)
      .when({
        type: 'SucceedRun',
        at: '2026-12-07T02:03:00.000Z',
        bytes: 4096,
        manifestSha256: 'a'.repeat(64),
        location: 'directory /backups/nightly',
      })
      .then([succeeded]);
    given(started)
      .when({
        type: 'FailRun',
        at: '2026-12-07T02:01:00.000Z',
        error: 'pg_dump exited with 1',
        step: 'postgres.dump',
        exitCode: 1,
        stderrTail: 'disk full',
      })
      .then([
        {
          type: 'backup.failed',
          data: {
            ...ref,
            startedAt: '2026-12-07T02:00:01.000Z',
            finishedAt: '2026-12-07T02:01:00.000Z',
            error: 'pg_dump exited with 1',
            step: 'postgres.dump',
            exitCode: 1,
            stderrTail: 'disk full',
          },
        },
      ]);
    given(started, succeeded)
      .when({ type: 'FailRun', at: 'x', error: 'late' })
      .thenThrows(/already succeeded/);
    given()
      .when({ type: 'FailRun', at: 'x', error: 'e' })
      .thenThrows(/no such backup run/);
  });

  it('records a drill as verified, as a regression past 1.2× the previous RTO, or as failed', () => {
    const base = { ...ref, verifiedAt: '2026-12-07T04:00:00.000Z', steps: [{ step: 'postgres.restore', ms: 900 }] };
    given(started, succeeded)
      .when(drill(10))
      .then([{ type: 'backup.verified', data: { ...base, rtoSeconds: 10 } }]);
    given(started, succeeded)
      .when(drill(12, 10))
      .then([{ type: 'backup.verified', data: { ...base, rtoSeconds: 12 } }]);
    given(started, succeeded)
      .when(drill(12.5, 10))
      .then([{ type: 'backup.rto_regressed', data: { ...base, rtoSeconds: 12.5, previousRtoSeconds: 10 } }]);
    given(started, succeeded)
      .when(drill(0, 10, ['checksums: postgres.dump has SHA-256 x']))
      .then([
        { type: 'backup.verification_failed', data: { ...base, failures: ['checksums: postgres.dump has SHA-256 x'] } },
      ]);
    given(started)
      .when(drill(1))
      .thenThrows(/is running: nothing to verify/);
  });

  it('prunes a finished run once, never a running one, and verifies no pruned run', () => {
    const pruned = {
      type: 'backup.pruned',
      data: { ...ref, prunedAt: '2026-12-20T02:00:00.000Z', reason: 'retention' },
    } as const;
    given(started, succeeded)
      .when({ type: 'PruneRun', at: '2026-12-20T02:00:00.000Z', reason: 'retention' })
      .then([pruned]);
    given(started, succeeded, pruned).when({ type: 'PruneRun', at: 'x', reason: 'retention' }).then([]);
    given(started)
      .when({ type: 'PruneRun', at: 'x', reason: 'retention' })
      .thenThrows(/still running/);
    given(started, succeeded, pruned)
      .when(drill(1))
      .thenThrows(/was pruned/);
  });
});
