import { compare, matchesLabels, type SampleBatch, type ThresholdRule } from '@vigil/contracts';
import { type BoundedMapMetrics, LruMap } from '@vigil/platform';
import { alertFingerprint } from './fingerprint';
import { SeriesWindow } from './series-window';

/** The condition of one rule for one series, evaluated at a sample's time. */
export interface Observation {
  ruleId: string;
  fingerprint: string;
  /** The alert's labels: the series', `node`, the rule's, `alertname`, `severity`. */
  labels: Record<string, string>;
  nodeId: string;
  at: number;
  holds: boolean;
  value: number;
}

/** Threshold windows held at most (a window holds its samples of the rule's duration). */
export const DEFAULT_MAX_WINDOWS = 100_000;

/**
 * Evaluates threshold rules as samples arrive: each sample of a rule's metric whose labels
 * match gives one observation of that rule for that series (over the rule's window when
 * it has one). Nothing here waits: `for` is the alert state machine's deadline.
 */
export class ThresholdEvaluator {
  private rules: ThresholdRule[] = [];
  private byMetric = new Map<string, ThresholdRule[]>();
  /**
   * Windows per rule and series (`ruleId\nduration\nfingerprint`): one per label value set any
   * agent sends, so bounded (least recently fed go first: a series that stopped, whose window
   * would have emptied anyway; a series evicted while still fed starts a new window).
   */
  private readonly windows: LruMap<string, SeriesWindow>;

  constructor(maxWindows = DEFAULT_MAX_WINDOWS, metrics?: BoundedMapMetrics) {
    this.windows = new LruMap(maxWindows, metrics && { name: 'alert_threshold_windows', ...metrics });
  }

  get windowCount(): number {
    return this.windows.size;
  }

  setRules(rules: readonly ThresholdRule[]): void {
    this.rules = rules.filter((r) => r.enabled);
    this.byMetric = new Map();
    for (const r of this.rules) {
      const list = this.byMetric.get(r.metric) ?? [];
      list.push(r);
      this.byMetric.set(r.metric, list);
    }
    // Windows of rules that changed start over (their duration or condition may differ).
    const live = new Set(this.rules.map((r) => `${r.id}\n${r.window?.duration ?? 0}`));
    for (const key of [...this.windows.keys()]) {
      const [ruleId, duration] = key.split('\n');
      if (!live.has(`${ruleId}\n${duration}`)) this.windows.delete(key);
    }
  }

  /** Whether any rule reads this metric (a batch without one is not looked at further). */
  watches(metric: string): boolean {
    return this.byMetric.has(metric);
  }

  evaluate(batch: SampleBatch): Observation[] {
    const out: Observation[] = [];
    for (const s of batch.samples) {
      const rules = this.byMetric.get(s.name);
      if (!rules) continue;
      for (const rule of rules) {
        if (!matchesLabels(rule.matchers, batch.nodeId, s.labels)) continue;
        const labels = {
          ...s.labels,
          node: batch.nodeId,
          ...rule.labels,
          alertname: rule.name,
          severity: rule.severity,
        };
        const fingerprint = alertFingerprint(rule.id, labels);
        let value = s.value;
        if (rule.window) {
          const key = `${rule.id}\n${rule.window.duration}\n${fingerprint}`;
          let w = this.windows.get(key);
          if (!w) this.windows.set(key, (w = new SeriesWindow(rule.window.duration)));
          w.add(batch.timestamp, s.value);
          value = w.aggregate(rule.window.aggregate);
        }
        out.push({
          ruleId: rule.id,
          fingerprint,
          labels,
          nodeId: batch.nodeId,
          at: batch.timestamp,
          holds: compare(rule.op, value, rule.value),
          value,
        });
      }
    }
    return out;
  }
}
