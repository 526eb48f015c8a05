import * as z from 'zod';
import { IsoTimestamp, NodeId } from '../common.schema';

// Listing and revoking enrollment tokens (registry-svc, asked by the gateway's admins). Apart
// from `identityCommands` because the agent's bundle carries those and needs none of these.

/**
 * What became of a token: `unused` (it can still enroll its node), `used`, `expired` (never
 * used) or `revoked` (by an admin, before it was used).
 */
export const EnrollmentTokenState = z.enum(['unused', 'used', 'expired', 'revoked']);
export type EnrollmentTokenState = z.infer<typeof EnrollmentTokenState>;

/** A token as listed: everything but the token itself (registry-svc keeps only its hash). */
export const EnrollmentTokenView = z.object({
  id: z.uuid(),
  /** The node it enrolls (null only for tokens made before tokens were bound). */
  nodeId: NodeId.nullable(),
  note: z.string().nullable(),
  /** `user:<name>` or `key:<id>`; null for a token made without the gateway or before it was recorded. */
  createdBy: z.string().nullable(),
  createdAt: IsoTimestamp,
  expiresAt: IsoTimestamp,
  state: EnrollmentTokenState,
  usedAt: IsoTimestamp.nullable(),
  usedByNode: NodeId.nullable(),
  revokedAt: IsoTimestamp.nullable(),
  revokedBy: z.string().nullable(),
});
export type EnrollmentTokenView = z.infer<typeof EnrollmentTokenView>;

/** Newest first; `state` filters. (Query-string friendly: numbers are coerced.) */
export const ListEnrollmentTokensRequest = z.object({
  state: EnrollmentTokenState.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export const ListEnrollmentTokensReply = z.object({ items: z.array(EnrollmentTokenView), total: z.number().int() });
export type ListEnrollmentTokensReply = z.infer<typeof ListEnrollmentTokensReply>;

/** Only an unused token can be revoked (a used one enrolled its node: revoke the node instead). */
export const RevokeEnrollmentTokenRequest = z.object({ tokenId: z.uuid(), actor: z.string().min(1).max(256) });

export const enrollmentTokenCommands = {
  /** The enrollment tokens, without their secret (the gateway's admins). */
  listEnrollmentTokens: {
    kind: 'qry',
    context: 'registry',
    what: 'enrollment-tokens-list',
    request: ListEnrollmentTokensRequest,
    reply: ListEnrollmentTokensReply,
  },
  /** Revokes an unused token: it enrolls nothing any more; answers the token as it is then. */
  revokeEnrollmentToken: {
    kind: 'cmd',
    context: 'registry',
    what: 'enrollment-token-revoke',
    request: RevokeEnrollmentTokenRequest,
    reply: EnrollmentTokenView,
  },
} as const;
