import { AlertRule, type AlertRuleInput, type MissingEventRule } from '@vigil/contracts';
import type { Condition } from './condition';
import { backupEvent } from './kind-fixtures';
import { MissingEvaluator } from './missing.evaluator';

const rule = (over: Partial<AlertRuleInput> = {}) =>
  AlertRule.parse({
    id: 'backup-missing',
    name: 'BackupMissing',
    kind: 'missing',
    severity: 'warning',
    event: 'backup.succeeded',
    for: '10s',
    ...over,
  } as AlertRuleInput) as MissingEventRule;
const T = 1_764_000_000_000;

describe('MissingEvaluator', () => {
  let out: Condition[];
  let e: MissingEvaluator;
  const seen = () => out.splice(0).map((c) => `${c.labels.job} ${c.holds ? 'missing' : 'present'} @${c.at - T}`);
  beforeEach(() => {
    jest.useFakeTimers({ now: T });
    out = [];
    e = new MissingEvaluator((c) => out.push(c));
  });
  afterEach(() => {
    e.stop();
    jest.useRealTimers();
  });

  it('fires a job with no `event` for `for` (other events do not count), and resolves on the next one', () => {
    e.setRules([rule()]);
    e.goLive();
    e.see(backupEvent('backup.succeeded', 'pg', T));
    jest.advanceTimersByTime(5000);
    e.see(backupEvent('backup.failed', 'pg', Date.now()));
    jest.advanceTimersByTime(5000);
    expect(seen()).toEqual(['pg present @0', 'pg missing @10000']);
    e.see(backupEvent('backup.succeeded', 'pg', Date.now()));
    expect(seen()).toEqual(['pg present @10000']);
  });

  it('on going live, fires the jobs whose last event is older than `for` and settles the others', () => {
    e.setRules([rule()]);
    e.see(backupEvent('backup.succeeded', 'old', T - 60_000));
    e.see(backupEvent('backup.succeeded', 'recent', T - 4000));
    e.goLive();
    expect(seen()).toEqual(['recent present @-4000']);
    jest.advanceTimersByTime(0);
    expect(seen()).toEqual(['old missing @0']);
    jest.advanceTimersByTime(6000);
    expect(seen()).toEqual(['recent missing @6000']);
  });
});
