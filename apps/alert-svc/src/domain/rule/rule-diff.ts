import { type AlertRule, type RuleChange, StoredAlertRule, ValidationError } from '@vigil/contracts';

/**
 * What making the rules `desired` takes, given `current`: per desired rule create, update
 * (with the top-level fields that differ), enable or disable (when `enabled` is the only
 * difference) or unchanged, in the desired order; then, with `prune`, a delete for each
 * current rule the desired set lacks, by id. Without `prune` those are left alone and not
 * listed. Rules are compared normalized (defaults filled in, durations in milliseconds,
 * object keys in any order; array order counts).
 */
export function diffRules(current: readonly AlertRule[], desired: readonly AlertRule[], prune: boolean): RuleChange[] {
  const now = new Map(current.map((r) => [r.id, r]));
  const wanted = new Set<string>();
  const changes: RuleChange[] = [];
  for (const rule of desired) {
    if (wanted.has(rule.id)) throw new ValidationError(`duplicate rule id "${rule.id}"`);
    wanted.add(rule.id);
    const before = now.get(rule.id);
    if (!before) {
      changes.push({ ruleId: rule.id, change: 'create', fields: [] });
      continue;
    }
    const fields = ruleDifferences(before, rule);
    if (fields.length === 0) changes.push({ ruleId: rule.id, change: 'unchanged', fields: [] });
    else if (fields.length === 1 && fields[0] === 'enabled')
      changes.push({ ruleId: rule.id, change: rule.enabled ? 'enable' : 'disable', fields: [] });
    else changes.push({ ruleId: rule.id, change: 'update', fields });
  }
  if (prune) {
    const gone = [...now.keys()].filter((id) => !wanted.has(id)).sort();
    for (const id of gone) changes.push({ ruleId: id, change: 'delete', fields: [] });
  }
  return changes;
}

/** Read as stored: a rule stored under an earlier contract (one today's refuses) compares as well. */
function normalize(rule: AlertRule): Record<string, unknown> {
  return StoredAlertRule.parse(rule) as Record<string, unknown>;
}

/**
 * The top-level fields in which two rules differ once normalized, in a stable order (the
 * union of both rules' keys, sorted).
 */
export function ruleDifferences(a: AlertRule, b: AlertRule): string[] {
  const na = normalize(a);
  const nb = normalize(b);
  const keys = [...new Set([...Object.keys(na), ...Object.keys(nb)])].sort();
  return keys.filter((k) => !same(na[k], nb[k]));
}

export function sameRule(a: AlertRule, b: AlertRule): boolean {
  return ruleDifferences(a, b).length === 0;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  return [...keys].every((k) => same(ra[k], rb[k]));
}
