import type { AlertRule } from '@vigil/contracts';

/** JSON with object keys sorted, so label and annotation order make no difference. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The top-level fields in which two (validated) rules differ. */
export function ruleDifferences(a: AlertRule, b: AlertRule): string[] {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  return [...fields].filter((f) => canonical(ra[f]) !== canonical(rb[f])).sort();
}

export function sameRule(a: AlertRule, b: AlertRule): boolean {
  return ruleDifferences(a, b).length === 0;
}
