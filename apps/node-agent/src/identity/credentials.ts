import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import path from 'node:path';
import * as z from 'zod';
import { encodePublicKey } from '@vigil/contracts';
import { readFileIfExists, writeFileAtomic } from '../state/atomic-file';

export const CREDENTIALS_FILE = 'credentials.json';

export const StoredCredentials = z.object({
  nodeId: z.string(),
  /** PKCS#8 DER, base64. The file is mode 0600 and never logged. */
  privateKey: z.string(),
  publicKey: z.string(),
  enrolledAt: z.string().nullable(),
});
type StoredCredentials = z.infer<typeof StoredCredentials>;

export interface Credentials {
  nodeId: string;
  privateKey: KeyObject;
  publicKey: string;
  enrolledAt: string | null;
}

/**
 * The node's signing key, created once beside its node id and kept for the node's
 * life. Enrollment records when the platform accepted the key.
 */
export class CredentialStore {
  private readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, CREDENTIALS_FILE);
  }

  async loadOrCreate(nodeId: string): Promise<Credentials> {
    const text = await readFileIfExists(this.file);
    if (text !== undefined) {
      const parsed = StoredCredentials.safeParse(JSON.parse(text));
      if (!parsed.success || parsed.data.nodeId !== nodeId) {
        throw new Error(`${this.file} does not hold credentials for node ${nodeId}; fix or remove it`);
      }
      return this.toCredentials(parsed.data);
    }
    const pair = generateKeyPairSync('ed25519');
    const stored: StoredCredentials = {
      nodeId,
      privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      publicKey: encodePublicKey(pair.publicKey),
      enrolledAt: null,
    };
    await writeFileAtomic(this.file, `${JSON.stringify(stored)}\n`, 0o600);
    return this.toCredentials(stored);
  }

  async markEnrolled(credentials: Credentials, enrolledAt: string): Promise<Credentials> {
    const stored: StoredCredentials = {
      nodeId: credentials.nodeId,
      privateKey: credentials.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      publicKey: credentials.publicKey,
      enrolledAt,
    };
    await writeFileAtomic(this.file, `${JSON.stringify(stored)}\n`, 0o600);
    return { ...credentials, enrolledAt };
  }

  private toCredentials(s: StoredCredentials): Credentials {
    return {
      nodeId: s.nodeId,
      privateKey: createPrivateKey({ key: Buffer.from(s.privateKey, 'base64'), format: 'der', type: 'pkcs8' }),
      publicKey: s.publicKey,
      enrolledAt: s.enrolledAt,
    };
  }
}
