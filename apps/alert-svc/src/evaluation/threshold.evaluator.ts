import { compare, matchesLabels, type SampleBatch, type ThresholdRule } from '@vigil/contracts';
import { type BoundedMapMetrics, LruMap } from '@vigil/platform';
import { Counter, Gauge, type Registry } from 'prom-client';
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
 * VIGIL_ALERT_MAX_WINDOW_SAMPLES when not set: the samples all threshold windows of the process
 * hold together (16 bytes each: 32 MB). Without it the bound was DEFAULT_MAX_WINDOWS times
 * MAX_WINDOW_SAMPLES, 1.6 billion samples.
 */
export const DEFAULT_MAX_WINDOW_SAMPLES = 2_000_000;

/** The shared sample budget of the threshold windows, and how it is reported. */
export interface WindowBudget {
  /** Samples all windows hold at most. */
  maxSamples: number;
  metrics?: WindowBudgetMetrics;
}

export interface WindowBudgetMetrics {
  /** `vigil_alert_window_samples`: samples all threshold windows hold. */
  samples: Gauge;
  /** `vigil_alert_window_budget_evictions_total`: windows evicted because the sample budget was spent. */
  evictions: Counter;
}

/** The budget's metrics, once per registry. */
export function windowBudgetMetrics(registry: Registry): WindowBudgetMetrics {
  const samples =
    (registry.getSingleMetric('vigil_alert_window_samples') as Gauge | undefined) ??
    new Gauge({
      name: 'vigil_alert_window_samples',
      help: 'Samples held by all threshold windows (avg/max/min over D), at most VIGIL_ALERT_MAX_WINDOW_SAMPLES',
      registers: [registry],
    });
  const evictions =
    (registry.getSingleMetric('vigil_alert_window_budget_evictions_total') as Counter | undefined) ??
    new Counter({
      name: 'vigil_alert_window_budget_evictions_total',
      help: 'Threshold windows evicted (least recently fed first) because VIGIL_ALERT_MAX_WINDOW_SAMPLES was reached',
      registers: [registry],
    });
  samples.set(0);
  evictions.inc(0);
  return { samples, evictions };
}

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
   *
   * Their samples together are bounded too (`budget.maxSamples`): each window already drops the
   * samples older than its rule's duration and past MAX_WINDOW_SAMPLES; when all windows still
   * hold more than the budget, the least recently fed windows are evicted whole until they fit
   * (LruMap's order: those not fed since its older generation began, then the older generation's
   * oldest). A series fed at its interval stays unless every other window is evicted between two
   * of its samples; one evicted starts a new window (its aggregate over the samples since), so its
   * alert still fires and resolves, on a shorter window.
   */
  private readonly windows: LruMap<string, SeriesWindow>;
  private samples = 0;
  private readonly budget: WindowBudget;

  constructor(
    maxWindows = DEFAULT_MAX_WINDOWS,
    metrics?: BoundedMapMetrics,
    budget: WindowBudget = { maxSamples: DEFAULT_MAX_WINDOW_SAMPLES },
  ) {
    this.budget = budget;
    this.windows = new LruMap(maxWindows, metrics && { name: 'alert_threshold_windows', ...metrics }, (_key, w) =>
      this.dropped(w.size),
    );
  }

  get windowCount(): number {
    return this.windows.size;
  }

  /** Samples all windows hold. */
  get sampleCount(): number {
    return this.samples;
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
      if (live.has(`${ruleId}\n${duration}`)) continue;
      const w = this.windows.peek(key);
      this.windows.delete(key);
      if (w) this.dropped(w.size);
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
          this.grew(w.add(batch.timestamp, s.value), w);
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

  private grew(samples: number, fed: SeriesWindow): void {
    this.samples += samples;
    while (this.samples > this.budget.maxSamples && this.windows.size > 1) {
      const [key, w] = this.windows.shift() ?? [];
      if (!key || !w) break;
      if (w === fed) {
        // The window just fed is the most recent: it goes back and only older ones are evicted.
        this.samples += w.size;
        this.windows.set(key, w);
        continue;
      }
      this.budget.metrics?.evictions.inc();
    }
    this.budget.metrics?.samples.set(this.samples);
  }

  private dropped(samples: number): void {
    this.samples -= samples;
    this.budget.metrics?.samples.set(this.samples);
  }
}
