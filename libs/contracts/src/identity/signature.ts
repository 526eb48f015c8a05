import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/**
 * Agent messages are signed with the node's own Ed25519 key, so a node can speak
 * only for itself: the signature covers the subject (which names the node), the
 * message id and the body, and services check it against the key the node
 * enrolled with.
 */
export const SIGNATURE_HEADER = 'Vigil-Signature';

function signedBytes(subject: string, msgId: string, data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${subject}\n${msgId}\n`), data]);
}

export function signMessage(privateKey: KeyObject, subject: string, msgId: string, data: Uint8Array): string {
  return sign(null, signedBytes(subject, msgId, data), privateKey).toString('base64');
}

/** The public key as enrolled: base64 of its SPKI DER encoding. */
export function encodePublicKey(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}

export function decodePublicKey(encoded: string): KeyObject {
  const key = createPublicKey({ key: Buffer.from(encoded, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

export function verifyMessage(publicKey: KeyObject, subject: string, msgId: string, data: Uint8Array, signature: string): boolean {
  try {
    return verify(null, signedBytes(subject, msgId, data), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
