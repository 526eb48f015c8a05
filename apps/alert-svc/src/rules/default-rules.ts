import { type AlertRule, ValidationError } from '@vigil/contracts';
import { DEFAULT_RULES_YAML } from './default-rules.embedded';
import { formatProblem, parseRuleFile } from './rule-file';

/** Where the pack's source is, for messages (the build carries it as default-rules.embedded.ts). */
export const DEFAULT_RULES_FILE = 'apps/alert-svc/src/rules/default-rules.yaml';

/**
 * The default rule pack, validated like any rules file (contract and templates). Throws a
 * ValidationError naming every problem, which only an edit of the pack can cause.
 */
export function loadDefaultRules(): AlertRule[] {
  const parsed = parseRuleFile(DEFAULT_RULES_YAML, DEFAULT_RULES_FILE);
  if (parsed.problems.length > 0) {
    throw new ValidationError(
      `invalid default rules: ${parsed.problems.map(formatProblem).join('; ')}`,
      parsed.problems,
    );
  }
  return parsed.rules.map((r) => r.rule);
}
