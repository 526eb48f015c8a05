import { anchored, type LabelMatcher, NODE_LABEL, ValidationError } from '@vigil/contracts';

export function describeMatcher(m: LabelMatcher): string {
  return `${m.label}${m.op}${JSON.stringify(m.value)}`;
}

/**
 * Throws a ValidationError naming the first matcher whose regex does not compile. The same
 * anchored text goes to Postgres (`~`, POSIX ARE), whose syntax agrees with JavaScript's on
 * what label matching uses (classes, alternation, repetition, groups).
 */
export function validateMatchers(matchers: readonly LabelMatcher[]): void {
  for (const m of matchers) {
    if (m.op !== '=~' && m.op !== '!~') continue;
    try {
      new RegExp(anchored(m.value));
    } catch (e) {
      throw new ValidationError(`invalid regular expression in matcher ${describeMatcher(m)}: ${(e as Error).message}`);
    }
  }
}

/** Postgres' error for a regular expression it cannot compile (one JavaScript accepted). */
export const PG_INVALID_REGEX = '2201B';

/**
 * SQL conditions on `metrics.series s` for the matchers, appending their values to `params`.
 * A missing label reads as "" (Prometheus: `mount=""` selects series without `mount`).
 * Equality on non-empty values is also given as one `labels @> {...}` so the GIN index serves it.
 */
export function matcherConditions(matchers: readonly LabelMatcher[], params: unknown[]): string[] {
  const p = (v: unknown) => `$${params.push(v)}`;
  const conditions: string[] = [];
  const contains: Record<string, string> = {};
  for (const m of matchers) {
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
      case '=~':
        conditions.push(`${column} ~ ${p(anchored(m.value))}`);
        break;
      case '!~':
        conditions.push(`${column} !~ ${p(anchored(m.value))}`);
        break;
    }
  }
  if (Object.keys(contains).length) conditions.unshift(`s.labels @> ${p(JSON.stringify(contains))}::jsonb`);
  return conditions;
}
