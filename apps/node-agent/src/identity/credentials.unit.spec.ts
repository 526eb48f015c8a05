import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodePublicKey, signMessage, verifyMessage } from '@vigil/contracts';
import { CREDENTIALS_FILE, CredentialStore } from './credentials';

describe('CredentialStore', () => {
  const dir = () => mkdtempSync(path.join(tmpdir(), 'vigil-cred-'));

  it('creates a key once, keeps it 0600, and signs what the platform can verify', async () => {
    const d = dir();
    const store = new CredentialStore(d);
    const first = await store.loadOrCreate('n1');
    const again = await new CredentialStore(d).loadOrCreate('n1');
    expect(again.publicKey).toBe(first.publicKey);
    expect(statSync(path.join(d, CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    const m = { subject: 'telemetry.heartbeat.n1', msgId: 'id-1', data: Buffer.from('{"x":1}') };
    const h = signMessage(again.privateKey, m, { signedAt: 1, boot: 2, seq: 3 });
    const key = decodePublicKey(first.publicKey);
    expect(verifyMessage(key, m, h['Vigil-Stamp'], h['Vigil-Signature'])).toBe(true);
    expect(
      verifyMessage(key, { ...m, subject: 'telemetry.heartbeat.n2' }, h['Vigil-Stamp'], h['Vigil-Signature']),
    ).toBe(false);
    expect(verifyMessage(key, m, '1 2 4', h['Vigil-Signature'])).toBe(false);
  });

  it('records enrollment and refuses credentials of another node', async () => {
    const d = dir();
    const store = new CredentialStore(d);
    const enrolled = await store.markEnrolled(await store.loadOrCreate('n1'), '2026-11-22T00:00:00.000Z');
    expect((await store.loadOrCreate('n1')).enrolledAt).toBe(enrolled.enrolledAt);
    expect(readFileSync(path.join(d, CREDENTIALS_FILE), 'utf8')).not.toContain('BEGIN');
    await expect(store.loadOrCreate('n2')).rejects.toThrow(/does not hold credentials for node n2/);
    writeFileSync(path.join(d, CREDENTIALS_FILE), '{"nodeId":"n1"}');
    await expect(store.loadOrCreate('n1')).rejects.toThrow(/fix or remove it/);
  });
});
