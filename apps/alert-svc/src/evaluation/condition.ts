import { type AlertRule, NODE_LABEL } from '@vigil/contracts';
import { alertFingerprint } from './fingerprint';

/** One rule's condition for one label set at `at`, as an evaluator found it. */
export interface Condition {
  ruleId: string;
  fingerprint: string;
  /** The alert's labels: the group's (`by`, or the series'), the rule's, `alertname`, `severity`. */
  labels: Record<string, string>;
  at: number;
  holds: boolean;
  value: number | null;
}

/** Where the evaluators that hold conditions over time (timers, event feeds) report them. */
export type ConditionSink = (condition: Condition) => void;

/** An alert's labels and fingerprint for one group of a rule. */
export function alertOf(
  rule: AlertRule,
  group: Readonly<Record<string, string>>,
): { fingerprint: string; labels: Record<string, string> } {
  const labels = { ...group, ...rule.labels, alertname: rule.name, severity: rule.severity };
  return { fingerprint: alertFingerprint(rule.id, labels), labels };
}

/** The `by` labels of a label set (its `node` being `nodeId` when given); a label it lacks is left out (as Prometheus' `by` does). */
export function groupBy(
  by: readonly string[],
  labels: Readonly<Record<string, string>>,
  nodeId?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of by) {
    // A series' node is its batch's (`nodeId`), whatever label it carries (no merged copy made per sample).
    const value = nodeId !== undefined && name === NODE_LABEL ? nodeId : labels[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}
