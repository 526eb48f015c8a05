import { GatewayEnv } from '../../config';
import { mapRole, oidcSettings, parseRoleMap } from './oidc.config';

const env = (vars: Record<string, string>) => GatewayEnv.parse(vars);
const complete = {
  VIGIL_OIDC_ISSUER: 'https://idp.example/realms/ops',
  VIGIL_OIDC_CLIENT_ID: 'vigil',
  VIGIL_OIDC_CLIENT_SECRET: 'client-secret',
  VIGIL_OIDC_REDIRECT_URL: 'https://vigil.example/api/v1/auth/oidc/callback',
  VIGIL_OIDC_ROLE_MAP: 'vigil-ops=operator',
};

describe('the OIDC settings', () => {
  it('are off without an issuer', () => {
    expect(oidcSettings(env({}))).toBeUndefined();
  });

  it('need the client, the redirect URL, a secret and a role map once an issuer is set', () => {
    expect(oidcSettings(env(complete))).toMatchObject({
      clientId: 'vigil',
      scopes: 'openid profile email groups',
      roleClaim: 'groups',
      roleMap: [{ value: 'vigil-ops', role: 'operator' }],
      allowHttp: false,
    });
    for (const name of [
      'VIGIL_OIDC_CLIENT_ID',
      'VIGIL_OIDC_REDIRECT_URL',
      'VIGIL_OIDC_ROLE_MAP',
      'VIGIL_OIDC_CLIENT_SECRET',
    ]) {
      const { [name as keyof typeof complete]: _, ...rest } = complete;
      expect(() => oidcSettings(env(rest))).toThrow(new RegExp(name));
    }
  });

  it('always ask for openid, and refuse a plain-HTTP issuer unless allowed', () => {
    expect(oidcSettings(env({ ...complete, VIGIL_OIDC_SCOPES: 'profile,groups' }))?.scopes).toBe(
      'openid profile groups',
    );
    const http = { ...complete, VIGIL_OIDC_ISSUER: 'http://127.0.0.1:9000' };
    expect(() => oidcSettings(env(http))).toThrow(/must be https/);
    expect(oidcSettings(env({ ...http, VIGIL_OIDC_ALLOW_HTTP: 'true' }))?.allowHttp).toBe(true);
  });

  it('never put the client secret in an error', () => {
    const bad = () => oidcSettings(env({ ...complete, VIGIL_OIDC_ROLE_MAP: 'x=root' }));
    expect(bad).toThrow(/VIGIL_OIDC_ROLE_MAP/);
    expect(bad).not.toThrow(/client-secret/);
  });
});

describe('the OIDC claim → role map', () => {
  const rules = parseRoleMap('vigil-admins=admin, vigil-ops=operator,*=viewer');

  it('parses value=role pairs in order', () => {
    expect(rules).toEqual([
      { value: 'vigil-admins', role: 'admin' },
      { value: 'vigil-ops', role: 'operator' },
      { value: '*', role: 'viewer' },
    ]);
  });

  it('refuses an unknown role, a pair without "=", and an empty map, naming the bad part', () => {
    expect(() => parseRoleMap('ops=root')).toThrow(/"ops=root"/);
    expect(() => parseRoleMap('ops')).toThrow(/"ops"/);
    expect(() => parseRoleMap(' , ')).toThrow(/maps nothing/);
  });

  it('gives the highest role any value matches, from an array or a string', () => {
    expect(mapRole(['x', 'vigil-ops', 'vigil-admins'], rules)).toBe('admin');
    expect(mapRole('vigil-ops', rules)).toBe('operator');
    expect(mapRole(['other'], rules)).toBe('viewer');
    expect(mapRole(undefined, rules)).toBe('viewer');
  });

  it('matches nothing without a wildcard when no value is mapped (the login is refused)', () => {
    const strict = parseRoleMap('vigil-admins=admin');
    expect(mapRole(['vigil-ops'], strict)).toBeUndefined();
    expect(mapRole(undefined, strict)).toBeUndefined();
    expect(mapRole([{ name: 'vigil-admins' }, 7], strict)).toBeUndefined();
  });
});
