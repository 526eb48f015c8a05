import { hash } from 'node:crypto';
import { labelsKey } from '@vigil/contracts';

/**
 * An alert's id: 16 hex digits of SHA-256 over its rule and labels (label order does not matter).
 * One-shot `hash` (the same digest as createHash's): 0.7 µs where createHash's object took 3.5 µs,
 * and it runs for every sample a rule matches.
 */
export function alertFingerprint(ruleId: string, labels: Readonly<Record<string, string>>): string {
  return hash('sha256', `${ruleId}\n${labelsKey(labels)}`, 'hex').slice(0, 16);
}
