import type { RuleChange } from '@vigil/contracts';

const SIGN: Record<Exclude<RuleChange['change'], 'unchanged'>, string> = {
  create: '+',
  update: '~',
  enable: '~',
  disable: '~',
  delete: '-',
};

/**
 * One line per change, in the order given (`+ create high-cpu`, `~ update disk-space-low
 * (value, for)`, `- delete old-rule`), then the unchanged rules as one count.
 */
export function formatChanges(changes: readonly RuleChange[]): string[] {
  const lines = changes
    .filter((c) => c.change !== 'unchanged')
    .map(
      (c) =>
        `${SIGN[c.change as keyof typeof SIGN]} ${c.change} ${c.ruleId}${c.change === 'update' && c.fields.length > 0 ? ` (${c.fields.join(', ')})` : ''}`,
    );
  const unchanged = changes.filter((c) => c.change === 'unchanged').length;
  if (unchanged > 0) lines.push(`= unchanged ${rules(unchanged)}`);
  return lines;
}

/** Whether applying would change anything. */
export function hasChanges(changes: readonly RuleChange[]): boolean {
  return changes.some((c) => c.change !== 'unchanged');
}

const PAST: Record<Exclude<RuleChange['change'], 'unchanged'>, string> = {
  create: 'created',
  update: 'updated',
  enable: 'enabled',
  disable: 'disabled',
  delete: 'deleted',
};

/** `2 to create, 1 to delete` (or, applied, `2 created, 1 deleted`); `no changes` when there are none. */
export function summarizeChanges(changes: readonly RuleChange[], applied: boolean): string {
  const order = ['create', 'update', 'enable', 'disable', 'delete'] as const;
  const parts = order.flatMap((kind) => {
    const n = changes.filter((c) => c.change === kind).length;
    if (n === 0) return [];
    return [applied ? `${n} ${PAST[kind]}` : `${n} to ${kind}`];
  });
  return parts.length > 0 ? parts.join(', ') : 'no changes';
}

/** Whether two change lists say the same thing (the apply did what the diff showed). */
export function sameChanges(a: readonly RuleChange[], b: readonly RuleChange[]): boolean {
  const key = (cs: readonly RuleChange[]) =>
    cs
      .map((c) => `${c.ruleId} ${c.change} ${c.fields.join(',')}`)
      .sort()
      .join('\n');
  return key(a) === key(b);
}

function rules(n: number): string {
  return n === 1 ? '1 rule' : `${n} rules`;
}
