import { readFileSync } from 'node:fs';
import { ROLES, type Role } from '@vigil/contracts';
import type { GatewayEnv } from '../../config';

/** One rule of the claim → role map: a claim value (or `*`, anyone) and the role it gives. */
export interface RoleRule {
  value: string;
  role: Role;
}

/** What single sign-on needs, validated once at boot; undefined when VIGIL_OIDC_ISSUER is not set. */
export interface OidcSettings {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  redirectUrl: URL;
  scopes: string;
  roleClaim: string;
  roleMap: RoleRule[];
  allowHttp: boolean;
}

/** `vigil-admins=admin,vigil-ops=operator,*=viewer` → rules, in order. */
export function parseRoleMap(text: string): RoleRule[] {
  const rules = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const eq = part.lastIndexOf('=');
      const value = part.slice(0, eq).trim();
      const role = part.slice(eq + 1).trim();
      if (eq <= 0 || !value || !(ROLES as readonly string[]).includes(role))
        throw new Error(`gateway: VIGIL_OIDC_ROLE_MAP: "${part}" is not <claim value>=<${ROLES.join('|')}>`);
      return { value, role: role as Role };
    });
  if (!rules.length) throw new Error('gateway: VIGIL_OIDC_ROLE_MAP maps nothing');
  return rules;
}

/**
 * The highest role any rule gives the claim's value(s) (a string, or an array of strings as
 * `groups` usually is); `*` matches whatever the claim holds, even nothing. Undefined: no rule
 * matches, and the login is refused.
 */
export function mapRole(claim: unknown, rules: RoleRule[]): Role | undefined {
  const values = new Set((Array.isArray(claim) ? claim : [claim]).filter((v): v is string => typeof v === 'string'));
  const matched = rules.filter((r) => r.value === '*' || values.has(r.value)).map((r) => ROLES.indexOf(r.role));
  return matched.length ? ROLES[Math.max(...matched)] : undefined;
}

export function oidcSettings(env: GatewayEnv): OidcSettings | undefined {
  if (!env.VIGIL_OIDC_ISSUER) return undefined;
  const missing = (name: string) => new Error(`gateway: VIGIL_OIDC_ISSUER is set, so ${name} is required`);
  if (!env.VIGIL_OIDC_CLIENT_ID) throw missing('VIGIL_OIDC_CLIENT_ID');
  if (!env.VIGIL_OIDC_REDIRECT_URL) throw missing('VIGIL_OIDC_REDIRECT_URL');
  if (!env.VIGIL_OIDC_ROLE_MAP) throw missing('VIGIL_OIDC_ROLE_MAP');
  const clientSecret =
    env.VIGIL_OIDC_CLIENT_SECRET ??
    (env.VIGIL_OIDC_CLIENT_SECRET_FILE ? readSecretFile(env.VIGIL_OIDC_CLIENT_SECRET_FILE) : undefined);
  if (!clientSecret) throw missing('VIGIL_OIDC_CLIENT_SECRET or VIGIL_OIDC_CLIENT_SECRET_FILE');
  const issuer = new URL(env.VIGIL_OIDC_ISSUER);
  if (issuer.protocol !== 'https:' && !env.VIGIL_OIDC_ALLOW_HTTP)
    throw new Error('gateway: VIGIL_OIDC_ISSUER must be https (VIGIL_OIDC_ALLOW_HTTP=true for development only)');
  const scopes = env.VIGIL_OIDC_SCOPES.split(/[\s,]+/).filter(Boolean);
  if (!scopes.includes('openid')) scopes.unshift('openid');
  return {
    issuer,
    clientId: env.VIGIL_OIDC_CLIENT_ID,
    clientSecret,
    redirectUrl: new URL(env.VIGIL_OIDC_REDIRECT_URL),
    scopes: scopes.join(' '),
    roleClaim: env.VIGIL_OIDC_ROLE_CLAIM,
    roleMap: parseRoleMap(env.VIGIL_OIDC_ROLE_MAP),
    allowHttp: env.VIGIL_OIDC_ALLOW_HTTP,
  };
}

function readSecretFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new Error(
      `gateway: cannot read VIGIL_OIDC_CLIENT_SECRET_FILE ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}
