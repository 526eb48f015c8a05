import { createHash } from 'node:crypto';
import { labelsKey } from '@vigil/contracts';

/** An alert's id: 16 hex digits of SHA-256 over its rule and labels (label order does not matter). */
export function alertFingerprint(ruleId: string, labels: Readonly<Record<string, string>>): string {
  return createHash('sha256')
    .update(`${ruleId}\n${labelsKey(labels)}`)
    .digest('hex')
    .slice(0, 16);
}
