import { labelRegex } from './label-regex';
import type { LabelMatcher } from './metrics.queries';

/** The label a matcher on `node` reads: the series' node id, not a sample label. */
export const NODE_LABEL = 'node';

/**
 * Whether a series (its node and labels) is selected by every matcher; a missing label
 * reads as "" (Prometheus: `mount=""` selects series without `mount`). Regex matchers are
 * anchored at both ends, as in Prometheus (`cpu=~"1|2"` matches "1" and "2", not "12"), and
 * run on RE2 (see label-regex.ts): linear in the value, whatever the pattern.
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
      case '=~': {
        const re = labelRegex(m.value);
        if (!re.valid || !re.matches(value)) return false;
        break;
      }
      case '!~': {
        // A pattern the contract refuses selects nothing, whichever the operator.
        const re = labelRegex(m.value);
        if (!re.valid || re.matches(value)) return false;
        break;
      }
      default: {
        const never: never = m.op;
        return never;
      }
    }
  }
  return true;
}
