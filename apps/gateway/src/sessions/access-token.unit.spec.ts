import { signAccessToken, verifyAccessToken } from './access-token';

const key = Buffer.alloc(32, 7);
const claims = { sid: 's1', sub: 'ana', exp: 2_000 };

describe('access tokens', () => {
  it('verify with their key until they expire', () => {
    const token = signAccessToken(claims, key);
    expect(verifyAccessToken(token, key, 1_999)).toEqual(claims);
    expect(verifyAccessToken(token, key, 2_000)).toBeUndefined();
  });

  it('refuse another key, a changed payload or signature, and garbage', () => {
    const token = signAccessToken(claims, key);
    expect(verifyAccessToken(token, Buffer.alloc(32, 8), 0)).toBeUndefined();
    const [p, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    expect(verifyAccessToken(`${p}.${forged}.${s}`, key, 0)).toBeUndefined();
    expect(verifyAccessToken(`${token.slice(0, -2)}AA`, key, 0)).toBeUndefined();
    for (const bad of ['', 'vat1', 'vat1..', 'x.y.z', `${token}.x`])
      expect(verifyAccessToken(bad, key, 0)).toBeUndefined();
  });
});
