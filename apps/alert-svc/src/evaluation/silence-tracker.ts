import { labelsKey } from '@vigil/contracts';
import type { ConditionSink } from './condition';
import { Deadlines } from './deadlines';
import { type GroupLimit, PerRuleCount, quietGroupLimit } from './group-limit';

interface Group {
  ruleId: string;
  fingerprint: string;
  labels: Record<string, string>;
  /** The `by` labels the group was formed from (kept to regroup under a changed rule). */
  group: Record<string, string>;
  lastAt: number;
  forMs: number;
  /** `unknown`: not reported since going live (or since its rule changed). */
  state: 'unknown' | 'present' | 'silent';
}

/** How a changed rule's groups carry over: their new alert and `for`. */
export interface Regroup {
  forMs: number;
  alertOf(group: Record<string, string>): { fingerprint: string; labels: Record<string, string> };
}

/**
 * The groups of rules whose condition is silence (`absent`: no sample, `missing`: no event)
 * and a deadline per group, `for` after it was last seen: the deadline passing reports the
 * condition holding, the group seen again reports it cleared. Only changes are reported
 * (and each group's state once on going live, to settle alerts restored from their
 * events). Before going live (while a history is read) groups are only recorded.
 *
 * Groups are one per label value set agents send: a rule holds `limit.maxPerRule` at most, a new
 * group past it is refused (and reported). None is evicted while its rule stands: a group seen
 * lately is either present (its deadline pending) or silent (its alert firing), and forgetting
 * either would lose an alert. So what agents can make this hold is bounded by the limit times
 * the absent and missing rules, which operators write.
 */
export class SilenceTracker {
  private readonly groups = new Map<string, Group>();
  /** The fingerprint of each group held, by its rule and `by` labels (`groupKey`). */
  private readonly byGroup = new Map<string, string>();
  private readonly perRule = new PerRuleCount();
  private readonly deadlines: Deadlines<string>;
  private live = false;

  constructor(
    private readonly emit: ConditionSink,
    private readonly clock: () => number = Date.now,
    private readonly limit: GroupLimit = quietGroupLimit(),
  ) {
    this.deadlines = new Deadlines((fingerprint) => this.silent(fingerprint), clock);
  }

  /**
   * A sample of `group` of rule `ruleId` at `at`. `alertOf` (labels and a SHA-256 fingerprint) is
   * called only for a group not held yet and admitted: a held group is found by its rule and
   * labels, and one refused costs no fingerprint.
   */
  seen(
    ruleId: string,
    forMs: number,
    alertOf: () => { fingerprint: string; labels: Record<string, string> },
    group: Record<string, string>,
    at: number,
  ): void {
    const key = groupKey(ruleId, group);
    const held = this.byGroup.get(key);
    let g = held === undefined ? undefined : this.groups.get(held);
    if (!g) {
      if (this.perRule.get(ruleId) >= this.limit.maxPerRule) {
        this.limit.refused(ruleId, 'silence_groups');
        return;
      }
      const alert = alertOf();
      this.groups.set(alert.fingerprint, (g = { ruleId, ...alert, group, lastAt: at, forMs, state: 'unknown' }));
      this.byGroup.set(key, alert.fingerprint);
      this.perRule.add(ruleId);
    }
    g.lastAt = Math.max(g.lastAt, at);
    if (!this.live) return;
    if (g.state !== 'present') this.report(g, 'present', at);
    this.deadlines.set(g.fingerprint, g.lastAt + g.forMs);
  }

  /** Reports every group as it stands (a passed deadline fires at once), then each change as it happens. */
  goLive(): void {
    if (this.live) return;
    this.live = true;
    const now = this.clock();
    for (const g of this.groups.values()) {
      if (g.lastAt + g.forMs > now) this.report(g, 'present', g.lastAt);
      this.deadlines.set(g.fingerprint, g.lastAt + g.forMs);
    }
  }

  /** A rule changed (`regroup`: its groups carry over, silent ones fire again under the new rule) or went away. */
  changeRule(ruleId: string, regroup?: Regroup): void {
    const carried: Group[] = [];
    for (const g of this.groups.values()) {
      if (g.ruleId !== ruleId) continue;
      this.groups.delete(g.fingerprint);
      this.byGroup.delete(groupKey(ruleId, g.group));
      this.perRule.add(ruleId, -1);
      this.deadlines.delete(g.fingerprint);
      if (regroup) carried.push({ ...g, ...regroup.alertOf(g.group), forMs: regroup.forMs, state: 'unknown' });
    }
    for (const g of carried) {
      if (!this.groups.has(g.fingerprint)) this.perRule.add(ruleId);
      this.groups.set(g.fingerprint, g);
      this.byGroup.set(groupKey(ruleId, g.group), g.fingerprint);
      if (this.live) this.deadlines.set(g.fingerprint, g.lastAt + g.forMs);
    }
  }

  get size(): number {
    return this.groups.size;
  }

  stop(): void {
    this.live = false;
    this.deadlines.clear();
  }

  private silent(fingerprint: string): void {
    const g = this.groups.get(fingerprint);
    if (g && this.live) this.report(g, 'silent', this.clock());
  }

  private report(g: Group, state: 'present' | 'silent', at: number): void {
    g.state = state;
    this.emit({
      ruleId: g.ruleId,
      fingerprint: g.fingerprint,
      labels: g.labels,
      at,
      holds: state === 'silent',
      value: null,
    });
  }
}

/** A group's identity within the tracker: its rule and its `by` labels (what its fingerprint is made of). */
function groupKey(ruleId: string, group: Readonly<Record<string, string>>): string {
  return `${ruleId}\n${labelsKey(group)}`;
}
