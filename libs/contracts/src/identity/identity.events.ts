import * as z from 'zod';
import { NodeId } from '../common.schema';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';

/** A node's identity: the key it enrolled with, and whether it was revoked. One aggregate per node. */
export const IdentityEnrolled = defineEvent('identity.enrolled', {
  version: 1,
  schema: z.object({ nodeId: NodeId, publicKey: z.string().min(40).max(200), tokenId: z.uuid(), hostname: z.string() }),
});

export const IdentityRevoked = defineEvent('identity.revoked', {
  version: 1,
  schema: z.object({ nodeId: NodeId, reason: z.string().min(1).max(500) }),
});

/**
 * An admin allowed the node's next enrollment to bring a new key (also after a revocation,
 * which that enrollment ends). Until then the node keeps the key it has, and stays revoked.
 */
export const IdentityRekeyAllowed = defineEvent('identity.rekey_allowed', {
  version: 1,
  schema: z.object({ nodeId: NodeId, reason: z.string().min(1).max(500) }),
});

export type IdentityEnrolledEvent = EventOf<typeof IdentityEnrolled>;
export type IdentityRevokedEvent = EventOf<typeof IdentityRevoked>;
export type IdentityRekeyAllowedEvent = EventOf<typeof IdentityRekeyAllowed>;
export type IdentityEvent = IdentityEnrolledEvent | IdentityRevokedEvent | IdentityRekeyAllowedEvent;
export const identityEvents = new EventCatalog<IdentityEvent>([
  IdentityEnrolled,
  IdentityRevoked,
  IdentityRekeyAllowed,
]);

/**
 * Why an agent message was refused. `stale` (its signed time is outside the skew window around
 * the time the stream stored it), `replayed` (its signed boot and sequence are not after the last
 * accepted one of that node) and `bad_stamp` (a signed message without a readable stamp) are
 * the replay checks.
 */
export const ViolationReason = z.enum([
  'subject_mismatch',
  'unsigned',
  'bad_signature',
  'revoked',
  'not_enrolled',
  'bad_stamp',
  'stale',
  'replayed',
]);
export type ViolationReason = z.infer<typeof ViolationReason>;

/** A message claimed an identity it could not prove. Appended to `events.security.<claimed node>`. */
export const SecurityViolation = defineEvent('security.violation', {
  version: 1,
  schema: z.object({
    claimedNodeId: z.string().max(256),
    subject: z.string().max(512),
    reason: ViolationReason,
    detail: z.string().max(1024),
    /**
     * A summary (claimed node `*`): how many refusals of the window were not recorded one by
     * one (SecurityViolations' rate limit); `reason` is the most frequent of them.
     */
    suppressed: z.number().int().nonnegative().optional(),
  }),
});
export type SecurityViolationEvent = EventOf<typeof SecurityViolation>;
export const securityEvents = new EventCatalog<SecurityViolationEvent>([SecurityViolation]);
