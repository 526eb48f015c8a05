import { createHash } from 'node:crypto';
import { USERNAME_PATTERN } from '@vigil/contracts';

/**
 * The Vigil user name a new single sign-on user gets: `preferred_username`, else the local part
 * of `email`, lower-cased with every other character than `a-z0-9_-` made `-`; else
 * `sso-<hash of issuer and subject>`. It only names the user: who they are is issuer + subject.
 */
export function ssoUsername(claims: Record<string, unknown>, issuer: string, subject: string): string {
  const email = typeof claims.email === 'string' ? claims.email.split('@')[0] : undefined;
  for (const candidate of [claims.preferred_username, email]) {
    if (typeof candidate !== 'string') continue;
    const name = candidate
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '-')
      .replace(/^[-_]+/, '')
      .slice(0, 64);
    if (USERNAME_PATTERN.test(name)) return name;
  }
  return `sso-${createHash('sha256').update(`${issuer}\n${subject}`).digest('hex').slice(0, 16)}`;
}
