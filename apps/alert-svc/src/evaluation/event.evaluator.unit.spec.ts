import { AlertRule, type AlertRuleInput, type EventRule } from '@vigil/contracts';
import { alertOf, type Condition } from './condition';
import { EventEvaluator } from './event.evaluator';
import { backupEvent } from './kind-fixtures';

const rule = (over: Partial<AlertRuleInput> = {}) =>
  AlertRule.parse({
    id: 'backup-failed',
    name: 'BackupFailed',
    kind: 'event',
    severity: 'critical',
    on: 'backup.failed',
    resolvedBy: 'backup.succeeded',
    ...over,
  } as AlertRuleInput) as EventRule;
const T = 1_764_000_000_000;

describe('EventEvaluator', () => {
  let out: Condition[];
  const seen = () =>
    out.splice(0).map((c) => `${c.ruleId} ${c.labels.job} ${c.holds ? 'fires' : 'clears'} @${c.at - T}`);
  beforeEach(() => (out = []));

  it('fires on the `on` event of a job and clears on its `resolvedBy` event, per job', () => {
    const e = new EventEvaluator((c) => out.push(c));
    e.setRules([rule({ labels: { team: 'infra' } })]);
    e.goLive();
    e.see(backupEvent('backup.failed', 'pg', T, { tier: 'gold' }));
    e.see(backupEvent('backup.succeeded', 'redis', T + 1));
    e.see(backupEvent('backup.succeeded', 'pg', T + 2, { tier: 'gold' }));
    expect(seen()).toEqual([
      'backup-failed pg fires @0',
      'backup-failed redis clears @1',
      'backup-failed pg clears @2',
    ]);
    e.see(backupEvent('backup.failed', 'pg', T + 3));
    expect(out[0].labels).toEqual({ job: 'pg', team: 'infra', alertname: 'BackupFailed', severity: 'critical' });
  });

  it('without resolvedBy, fires and clears on each event', () => {
    const e = new EventEvaluator((c) => out.push(c));
    e.setRules([rule({ resolvedBy: undefined })]);
    e.goLive();
    e.see(backupEvent('backup.failed', 'pg', T));
    e.see(backupEvent('backup.succeeded', 'pg', T + 1));
    expect(seen()).toEqual(['backup-failed pg fires @0', 'backup-failed pg clears @0']);
  });

  it('on going live, fires the groups whose last event is `on` and was not handled, and clears those resolved since', () => {
    const handled = alertOf(rule(), { job: 'handled' }).fingerprint;
    const e = new EventEvaluator(
      (c) => out.push(c),
      (fp) => (fp === handled ? T + 10 : undefined),
    );
    e.setRules([rule()]);
    e.see(backupEvent('backup.failed', 'pg', T));
    e.see(backupEvent('backup.failed', 'handled', T + 5));
    e.see(backupEvent('backup.failed', 'redis', T));
    e.see(backupEvent('backup.succeeded', 'redis', T + 7));
    expect(out).toEqual([]);
    e.goLive();
    expect(seen()).toEqual(['backup-failed pg fires @0', 'backup-failed redis clears @7']);
  });

  it('a rule added while live fires for the jobs still failing', () => {
    const e = new EventEvaluator((c) => out.push(c));
    e.goLive();
    e.see(backupEvent('backup.failed', 'pg', T));
    e.setRules([rule()]);
    e.setRules([rule()]);
    expect(seen()).toEqual(['backup-failed pg fires @0']);
  });
});
