import { type AbsentRule, matchesLabels, type SampleBatch } from '@vigil/contracts';
import { sameRule } from '../domain/rule/rule-diff';
import { alertOf, type ConditionSink, groupBy } from './condition';
import { type GroupLimit, quietGroupLimit } from './group-limit';
import { SilenceTracker } from './silence-tracker';

/**
 * `absent` rules: per `by` group of a metric's matching series, a deadline `for` after the
 * group's last sample; the deadline passing fires the alert (the silence is the rule's
 * `for`: no pending phase), the next sample resolves it. Times are when samples were
 * received, not the agents' timestamps (an agent's clock may be off).
 *
 * Only groups seen are known: before going live it is fed the samples received within a
 * lookback (the longest `for` and a margin, see AlertEvaluation), so a series that stopped
 * shortly before a restart or takeover still fires. A series that stopped before the
 * lookback without having alerted is not known; one that alerted is restored from its events.
 */
export class AbsentEvaluator {
  private rules = new Map<string, AbsentRule>();
  private byMetric = new Map<string, AbsentRule[]>();
  private readonly tracker: SilenceTracker;

  constructor(emit: ConditionSink, clock: () => number = Date.now, limit: GroupLimit = quietGroupLimit()) {
    this.tracker = new SilenceTracker(emit, clock, limit);
  }

  setRules(rules: readonly AbsentRule[]): void {
    const next = new Map(rules.filter((r) => r.enabled).map((r) => [r.id, r]));
    for (const [id, before] of this.rules) {
      const after = next.get(id);
      if (after && sameRule(before, after)) continue;
      // Groups carry over a change that selects the same series the same way (`for`, labels, annotations changed).
      const carries = after && after.metric === before.metric && sameSelection(after, before);
      this.tracker.changeRule(id, carries ? { forMs: after.for, alertOf: (g) => alertOf(after, g) } : undefined);
    }
    this.rules = next;
    this.byMetric = new Map();
    for (const r of next.values()) this.byMetric.set(r.metric, [...(this.byMetric.get(r.metric) ?? []), r]);
  }

  /** The longest `for` (0 without absent rules). */
  lookbackMs(): number {
    let max = 0;
    for (const r of this.rules.values()) max = Math.max(max, r.for);
    return max;
  }

  see(batch: SampleBatch, receivedAt: number): void {
    if (this.byMetric.size === 0) return;
    for (const s of batch.samples) {
      const rules = this.byMetric.get(s.name);
      if (!rules) continue;
      for (const rule of rules) {
        if (!matchesLabels(rule.matchers, batch.nodeId, s.labels)) continue;
        const group = groupBy(rule.by, s.labels, batch.nodeId);
        this.tracker.seen(rule.id, rule.for, () => alertOf(rule, group), group, receivedAt);
      }
    }
  }

  goLive(): void {
    this.tracker.goLive();
  }

  get groups(): number {
    return this.tracker.size;
  }

  stop(): void {
    this.tracker.stop();
  }
}

function sameSelection(a: AbsentRule, b: AbsentRule): boolean {
  return JSON.stringify([a.matchers, a.by]) === JSON.stringify([b.matchers, b.by]);
}
