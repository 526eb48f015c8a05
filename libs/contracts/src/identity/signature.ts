import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import type { ViolationReason } from './identity.events';

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

export function verifyMessage(
  publicKey: KeyObject,
  subject: string,
  msgId: string,
  data: Uint8Array,
  signature: string,
): boolean {
  try {
    return verify(null, signedBytes(subject, msgId, data), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** What the services know of a node's identity: its enrolled key, and whether it is revoked. */
export interface KnownIdentity {
  key: KeyObject | null;
  revoked: boolean;
}

/**
 * The one rule for an agent message claiming `claimedNodeId`: the subject's node is the
 * claimed one; a revoked node is refused; an enrolled node must sign; a node that never
 * enrolled passes unless enrollment is required. Undefined when the message may be taken.
 */
export function identityViolation(
  msg: { subject: string; data: Uint8Array; headers?: { get(name: string): string } },
  subjectNodeId: string,
  claimedNodeId: string,
  identity: KnownIdentity | undefined,
  requireEnrollment: boolean,
  /** How the detail names what made the claim. */
  claimant = 'payload',
): { reason: ViolationReason; detail: string } | undefined {
  if (subjectNodeId !== claimedNodeId) {
    return {
      reason: 'subject_mismatch',
      detail: `subject names node ${subjectNodeId} but ${claimant} claims ${claimedNodeId}`,
    };
  }
  if (identity?.revoked) return { reason: 'revoked', detail: `node ${claimedNodeId} is revoked` };
  if (!identity?.key) {
    return requireEnrollment ? { reason: 'not_enrolled', detail: `node ${claimedNodeId} has not enrolled` } : undefined;
  }
  const signature = msg.headers?.get(SIGNATURE_HEADER);
  if (!signature) return { reason: 'unsigned', detail: `node ${claimedNodeId} is enrolled; unsigned message` };
  if (!verifyMessage(identity.key, msg.subject, msg.headers?.get('Nats-Msg-Id') ?? '', msg.data, signature)) {
    return { reason: 'bad_signature', detail: `signature does not match node ${claimedNodeId}'s key` };
  }
  return undefined;
}
