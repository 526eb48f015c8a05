import { type LabelMatcher, labelRegexError, matchesLabels, NODE_LABEL, ValidationError } from '@vigil/contracts';

export function describeMatcher(m: LabelMatcher): string {
  return `${m.label}${m.op}${JSON.stringify(m.value)}`;
}

export const isRegexMatcher = (m: LabelMatcher): boolean => m.op === '=~' || m.op === '!~';

/**
 * Throws a ValidationError naming the first matcher whose regex RE2 refuses (the contract
 * already did, for a request that went through it).
 */
export function validateMatchers(matchers: readonly LabelMatcher[]): void {
  for (const m of matchers) {
    if (!isRegexMatcher(m)) continue;
    const error = labelRegexError(m.value);
    if (error) throw new ValidationError(`invalid regular expression in matcher ${describeMatcher(m)}: ${error}`);
  }
}

/**
 * SQL conditions on `metrics.series s` for the equality matchers, appending their values to
 * `params`. A missing label reads as "" (Prometheus: `mount=""` selects series without `mount`).
 * Equality on non-empty values is also given as one `labels @> {...}` so the GIN index serves it.
 * Regex matchers are not turned into SQL: Postgres' `~` has other syntax (no `(?i)` inside,
 * `\b` is a backspace) and its own engine; `regexMatch` applies them in Node, on RE2.
 */
export function matcherConditions(matchers: readonly LabelMatcher[], params: unknown[]): string[] {
  const p = (v: unknown) => `$${params.push(v)}`;
  const conditions: string[] = [];
  const contains: Record<string, string> = {};
  for (const m of matchers) {
    if (isRegexMatcher(m)) continue;
    const column = m.label === NODE_LABEL ? 's.node_id' : `coalesce(s.labels ->> ${p(m.label)}, '')`;
    switch (m.op) {
      case '=':
        if (m.label !== NODE_LABEL && m.value !== '') {
          if (contains[m.label] !== undefined && contains[m.label] !== m.value) return ['false'];
          contains[m.label] = m.value;
        }
        conditions.push(`${column} = ${p(m.value)}`);
        break;
      case '!=':
        conditions.push(`${column} <> ${p(m.value)}`);
        break;
    }
  }
  if (Object.keys(contains).length) conditions.unshift(`s.labels @> ${p(JSON.stringify(contains))}::jsonb`);
  return conditions;
}

/** The regex matchers of a query as a test on one series (undefined when it has none). */
export function regexMatch(
  matchers: readonly LabelMatcher[],
): ((nodeId: string, labels: Readonly<Record<string, string>>) => boolean) | undefined {
  const regexes = matchers.filter(isRegexMatcher);
  if (regexes.length === 0) return undefined;
  return (nodeId, labels) => matchesLabels(regexes, nodeId, labels);
}
