import { mapRole, parseRoleMap } from './oidc.config';

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
