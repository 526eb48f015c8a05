import { type BackupEvent, backupRunLabels, type EventRule, labelsKey, WatchedEvent } from '@vigil/contracts';
import { sameRule } from '../domain/rule/rule-diff';
import { alertOf, type ConditionSink, groupBy } from './condition';

/** When each watched event last happened to one label set of runs. */
interface LastOf {
  labels: Record<string, string>;
  at: Partial<Record<WatchedEvent, number>>;
}

const isWatched = (type: string): type is WatchedEvent => (WatchedEvent.options as readonly string[]).includes(type);

/** When the alert of a fingerprint last had an event (from the restore), if ever. */
export type LastAlertAt = (fingerprint: string) => number | undefined;

/**
 * `event` rules: an `on` event fires its `by` group's alert at once; the group's next
 * `resolvedBy` event resolves it. A rule without `resolvedBy` fires and clears on each
 * event (one notification each; keep_firing_for holds it up). Event times are the events'
 * `occurredAt`.
 *
 * Before going live it reads the history: on going live a group whose last event is `on`
 * fires unless its alert already had an event since (it was handled before the restart),
 * and one whose last is `resolvedBy` resolves a restored alert. A new or changed rule with
 * `resolvedBy` fires for the groups whose last event is `on` (a job still failing).
 */
export class EventEvaluator {
  private rules = new Map<string, EventRule>();
  private readonly last = new Map<string, LastOf>();
  private live = false;

  constructor(
    private readonly emit: ConditionSink,
    private readonly lastAlertAt: LastAlertAt = () => undefined,
  ) {}

  setRules(rules: readonly EventRule[]): void {
    const before = this.rules;
    this.rules = new Map(rules.filter((r) => r.enabled).map((r) => [r.id, r]));
    if (!this.live) return;
    for (const rule of this.rules.values()) {
      const was = before.get(rule.id);
      if (rule.resolvedBy && !(was && sameRule(was, rule))) this.settle(rule, () => false);
    }
  }

  see(event: BackupEvent): void {
    if (!isWatched(event.type)) return;
    const at = Date.parse(event.occurredAt);
    const labels = backupRunLabels(event.data);
    const key = labelsKey(labels);
    let l = this.last.get(key);
    if (!l) this.last.set(key, (l = { labels, at: {} }));
    const type = event.type;
    l.at[type] = Math.max(l.at[type] ?? -Infinity, at);
    if (!this.live) return;
    for (const rule of this.rules.values()) {
      if (event.type === rule.on) this.fire(rule, alertOf(rule, groupBy(rule.by, labels)), at);
      else if (event.type === rule.resolvedBy) this.clear(rule, alertOf(rule, groupBy(rule.by, labels)), at);
    }
  }

  goLive(): void {
    if (this.live) return;
    this.live = true;
    for (const rule of this.rules.values()) {
      this.settle(rule, (fingerprint, at) => (this.lastAlertAt(fingerprint) ?? -Infinity) >= at);
    }
  }

  stop(): void {
    this.live = false;
  }

  /** Reports each group of `rule` by its last event; `handled` says an `on` event was already acted on. */
  private settle(rule: EventRule, handled: (fingerprint: string, at: number) => boolean): void {
    const groups = new Map<string, { alert: ReturnType<typeof alertOf>; on: number; resolved: number }>();
    for (const l of this.last.values()) {
      const alert = alertOf(rule, groupBy(rule.by, l.labels));
      const g = groups.get(alert.fingerprint) ?? { alert, on: -Infinity, resolved: -Infinity };
      g.on = Math.max(g.on, l.at[rule.on] ?? -Infinity);
      if (rule.resolvedBy) g.resolved = Math.max(g.resolved, l.at[rule.resolvedBy] ?? -Infinity);
      groups.set(alert.fingerprint, g);
    }
    for (const { alert, on, resolved } of groups.values()) {
      if (on > resolved && !handled(alert.fingerprint, on)) this.fire(rule, alert, on);
      else if (resolved > on) this.clear(rule, alert, resolved);
    }
  }

  private fire(rule: EventRule, alert: ReturnType<typeof alertOf>, at: number): void {
    this.emit({ ruleId: rule.id, ...alert, at, holds: true, value: null });
    if (!rule.resolvedBy) this.clear(rule, alert, at);
  }

  private clear(rule: EventRule, alert: ReturnType<typeof alertOf>, at: number): void {
    this.emit({ ruleId: rule.id, ...alert, at, holds: false, value: null });
  }
}
