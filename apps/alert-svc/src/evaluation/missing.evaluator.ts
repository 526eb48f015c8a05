import { type BackupEvent, backupRunLabels, type MissingEventRule } from '@vigil/contracts';
import { sameRule } from '../domain/rule/rule-diff';
import { alertOf, type ConditionSink, groupBy } from './condition';
import { type GroupLimit, quietGroupLimit } from './group-limit';
import { SilenceTracker } from './silence-tracker';

/**
 * `missing` rules: per `by` group, a deadline `for` after the group's last `event` (its
 * `occurredAt`); the deadline passing fires the alert, the next such event resolves it.
 * The history read before going live gives every group that ever had the event; a group
 * that never had one (a job that never succeeded) is not known.
 */
export class MissingEvaluator {
  private rules = new Map<string, MissingEventRule>();
  private readonly tracker: SilenceTracker;

  constructor(emit: ConditionSink, clock: () => number = Date.now, limit: GroupLimit = quietGroupLimit()) {
    this.tracker = new SilenceTracker(emit, clock, limit);
  }

  setRules(rules: readonly MissingEventRule[]): void {
    const next = new Map(rules.filter((r) => r.enabled).map((r) => [r.id, r]));
    for (const [id, before] of this.rules) {
      const after = next.get(id);
      if (after && sameRule(before, after)) continue;
      // Groups carry over a change that watches the same event the same way.
      const carries = after && after.event === before.event && after.by.join() === before.by.join();
      this.tracker.changeRule(id, carries ? { forMs: after.for, alertOf: (g) => alertOf(after, g) } : undefined);
    }
    this.rules = next;
  }

  see(event: BackupEvent): void {
    const labels = backupRunLabels(event.data);
    const at = Date.parse(event.occurredAt);
    for (const rule of this.rules.values()) {
      if (event.type !== rule.event) continue;
      const group = groupBy(rule.by, labels);
      this.tracker.seen(rule.id, rule.for, () => alertOf(rule, group), group, at);
    }
  }

  goLive(): void {
    this.tracker.goLive();
  }

  stop(): void {
    this.tracker.stop();
  }
}
