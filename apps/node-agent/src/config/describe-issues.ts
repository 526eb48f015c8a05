import type { z } from '@vigil/contracts';

/**
 * Every issue as `path: message`, joined by `; `. Unlike the contracts' describeIssues
 * (which stops at five) it names them all: an operator fixing a rejected document wants
 * the whole list at once.
 */
export function describeAllIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
