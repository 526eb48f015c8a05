import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import type { ViolationReason } from './identity.events';

/**
 * Agent messages are signed with the node's own Ed25519 key, so a node can speak only for
 * itself, and only once: the signature covers the subject (which names the node), the
 * message id, the stamp and the body, and services check it against the key the node
 * enrolled with. The stamp (`Vigil-Stamp: <signedAt ms> <boot> <seq>`) is made when the
 * message is published (a batch replayed from the spool gets a fresh one): the time lets a
 * service refuse a copy republished later than the skew window, the boot and sequence (which
 * only increase, across every kind of message a node sends) a copy republished within it.
 */
export const SIGNATURE_HEADER = 'Vigil-Signature';
export const STAMP_HEADER = 'Vigil-Stamp';

/** Names the signed layout; a signature of another layout never verifies. */
const SIGNED_LAYOUT = 'vigil-sig-2';

export interface MessageStamp {
  /** When the message was signed (Unix ms, the agent's clock). */
  signedAt: number;
  /** Names one run of the agent; a later run has a greater boot (see the agent's boot-id.ts). */
  boot: number;
  /** Counts the messages of one boot, from 1. */
  seq: number;
}

export function formatStamp({ signedAt, boot, seq }: MessageStamp): string {
  return `${signedAt} ${boot} ${seq}`;
}

const STAMP = /^(\d{1,16}) (\d{1,16}) (\d{1,16})$/;

export function parseStamp(text: string | undefined): MessageStamp | undefined {
  const m = text === undefined ? null : STAMP.exec(text);
  if (!m) return undefined;
  const [signedAt, boot, seq] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return Number.isSafeInteger(signedAt) && Number.isSafeInteger(boot) && Number.isSafeInteger(seq)
    ? { signedAt, boot, seq }
    : undefined;
}

function signedBytes(subject: string, msgId: string, stamp: string, data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${SIGNED_LAYOUT}\n${subject}\n${msgId}\n${stamp}\n`), data]);
}

/** The two headers of a signed message. */
export function signMessage(
  privateKey: KeyObject,
  message: { subject: string; msgId: string; data: Uint8Array },
  stamp: MessageStamp,
): Record<typeof SIGNATURE_HEADER | typeof STAMP_HEADER, string> {
  const text = formatStamp(stamp);
  return {
    [STAMP_HEADER]: text,
    [SIGNATURE_HEADER]: sign(
      null,
      signedBytes(message.subject, message.msgId, text, message.data),
      privateKey,
    ).toString('base64'),
  };
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
  message: { subject: string; msgId: string; data: Uint8Array },
  stamp: string,
  signature: string,
): boolean {
  try {
    return verify(
      null,
      signedBytes(message.subject, message.msgId, stamp, message.data),
      publicKey,
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** What the services know of a node's identity: its enrolled key, and whether it is revoked. */
export interface KnownIdentity {
  key: KeyObject | null;
  revoked: boolean;
}

export type IdentityCheck =
  | { ok: false; reason: ViolationReason; detail: string }
  /** `stamp` when the message is signed (and verified): what the replay check reads. */
  | { ok: true; stamp?: MessageStamp };

/**
 * The one rule for an agent message claiming `claimedNodeId`: the subject's node is the
 * claimed one; a revoked node is refused; an enrolled node must sign, with a stamp; a node that
 * never enrolled passes unless enrollment is required (unsigned: there is nothing to check its
 * freshness by). The stamp's freshness and order are ReplayGuard's.
 */
export function checkIdentity(
  msg: { subject: string; data: Uint8Array; headers?: { get(name: string): string } },
  subjectNodeId: string,
  claimedNodeId: string,
  identity: KnownIdentity | undefined,
  requireEnrollment: boolean,
  /** How the detail names what made the claim. */
  claimant = 'payload',
): IdentityCheck {
  if (subjectNodeId !== claimedNodeId) {
    return {
      ok: false,
      reason: 'subject_mismatch',
      detail: `subject names node ${subjectNodeId} but ${claimant} claims ${claimedNodeId}`,
    };
  }
  if (identity?.revoked) return { ok: false, reason: 'revoked', detail: `node ${claimedNodeId} is revoked` };
  if (!identity?.key) {
    return requireEnrollment
      ? { ok: false, reason: 'not_enrolled', detail: `node ${claimedNodeId} has not enrolled` }
      : { ok: true };
  }
  const signature = msg.headers?.get(SIGNATURE_HEADER);
  if (!signature)
    return { ok: false, reason: 'unsigned', detail: `node ${claimedNodeId} is enrolled; unsigned message` };
  const stampText = msg.headers?.get(STAMP_HEADER);
  const stamp = parseStamp(stampText);
  if (!stamp) {
    return { ok: false, reason: 'bad_stamp', detail: `signed message of node ${claimedNodeId} without a valid stamp` };
  }
  const signed = { subject: msg.subject, msgId: msg.headers?.get('Nats-Msg-Id') ?? '', data: msg.data };
  if (!verifyMessage(identity.key, signed, stampText ?? '', signature)) {
    return { ok: false, reason: 'bad_signature', detail: `signature does not match node ${claimedNodeId}'s key` };
  }
  return { ok: true, stamp };
}
