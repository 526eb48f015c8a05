import type { LabelMatcher } from './metrics.queries';

/** The label a matcher on `node` reads: the series' node id, not a sample label. */
export const NODE_LABEL = 'node';

/**
 * Regex matchers are anchored at both ends, as in Prometheus: `cpu=~"1|2"` matches "1" and
 * "2", not "12".
 */
export function anchored(pattern: string): string {
  return `^(?:${pattern})$`;
}

const compiled = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    if (compiled.size >= 10_000) compiled.clear();
    compiled.set(pattern, (re = new RegExp(anchored(pattern))));
  }
  return re;
}

/**
 * Whether a series (its node and labels) is selected by every matcher; a missing label
 * reads as "" (Prometheus: `mount=""` selects series without `mount`).
 */
export function matchesLabels(
  matchers: readonly LabelMatcher[],
  nodeId: string,
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const m of matchers) {
    const value = m.label === NODE_LABEL ? nodeId : (labels[m.label] ?? '');
    switch (m.op) {
      case '=':
        if (value !== m.value) return false;
        break;
      case '!=':
        if (value === m.value) return false;
        break;
      case '=~':
        if (!regex(m.value).test(value)) return false;
        break;
      case '!~':
        if (regex(m.value).test(value)) return false;
        break;
      default: {
        const never: never = m.op;
        return never;
      }
    }
  }
  return true;
}
