import { generateKeyPairSync } from 'node:crypto';
import { checkIdentity, encodePublicKey, decodePublicKey, parseStamp, signMessage } from './signature';

const keys = generateKeyPairSync('ed25519');
const thief = generateKeyPairSync('ed25519');
const identity = { key: decodePublicKey(encodePublicKey(keys.publicKey)), revoked: false };
const base = { subject: 'telemetry.heartbeat.n1', msgId: 'id-1', data: Buffer.from('{"nodeId":"n1"}') };
const stamp = { signedAt: 1_800_000_000_000, boot: 1_799_000_000_000, seq: 42 };

function message(headers: Record<string, string>, overrides: Partial<typeof base> = {}) {
  const m = { ...base, ...overrides };
  const all: Record<string, string> = { 'Nats-Msg-Id': m.msgId, ...headers };
  return { subject: m.subject, data: m.data, headers: { get: (name: string) => all[name] ?? '' } };
}

describe('signed agent messages', () => {
  it('verify with the stamp they were signed with, which the check hands back', () => {
    const signed = signMessage(keys.privateKey, base, stamp);
    expect(signed['Vigil-Stamp']).toBe('1800000000000 1799000000000 42');
    expect(checkIdentity(message(signed), 'n1', 'n1', identity, false)).toEqual({ ok: true, stamp });
  });

  it('refuse another stamp, id, subject or body than signed, another key, and a missing or unreadable stamp', () => {
    const signed = signMessage(keys.privateKey, base, stamp);
    const reason = (m: ReturnType<typeof message>) => {
      const r = checkIdentity(m, 'n1', 'n1', identity, false);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason(message({ ...signed, 'Vigil-Stamp': '1800000000000 1799000000000 43' }))).toBe('bad_signature');
    expect(reason(message(signed, { msgId: 'id-2' }))).toBe('bad_signature');
    expect(reason(message(signed, { data: Buffer.from('{"nodeId":"n1","x":1}') }))).toBe('bad_signature');
    expect(reason(message(signMessage(thief.privateKey, base, stamp)))).toBe('bad_signature');
    expect(reason(message({ 'Vigil-Signature': signed['Vigil-Signature'] }))).toBe('bad_stamp');
    expect(reason(message({ ...signed, 'Vigil-Stamp': '1 2' }))).toBe('bad_stamp');
    expect(reason(message({}))).toBe('unsigned');
    expect(checkIdentity(message({}), 'n1', 'n1', undefined, false)).toEqual({ ok: true });
    expect(checkIdentity(message({}), 'n1', 'n1', undefined, true)).toMatchObject({
      ok: false,
      reason: 'not_enrolled',
    });
    expect(checkIdentity(message(signed), 'n2', 'n1', identity, false)).toMatchObject({ reason: 'subject_mismatch' });
  });

  it('parse only three safe integers', () => {
    expect(parseStamp('1 2 3')).toEqual({ signedAt: 1, boot: 2, seq: 3 });
    for (const bad of [undefined, '', '1 2 3 4', '1 2 -3', '1  2 3', '99999999999999999 1 1', 'a b c']) {
      expect(parseStamp(bad)).toBeUndefined();
    }
  });
});
