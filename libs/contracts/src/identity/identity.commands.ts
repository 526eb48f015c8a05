import * as z from 'zod';
import { IsoTimestamp, NodeId } from '../common.schema';

export const CreateEnrollmentTokenRequest = z.object({
  ttlSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(24 * 3600),
  note: z.string().max(200).optional(),
});
export const CreateEnrollmentTokenReply = z.object({ tokenId: z.uuid(), token: z.string(), expiresAt: IsoTimestamp });

export const EnrollRequest = z.object({
  /** One-time: a token enrolls one node, once. */
  token: z.string().min(20).max(200),
  nodeId: NodeId,
  publicKey: z.string().min(40).max(200),
  hostname: z.string().min(1).max(255),
});
export const EnrollReply = z.object({ nodeId: NodeId, enrolledAt: IsoTimestamp });

export const RevokeNodeRequest = z.object({ nodeId: NodeId, reason: z.string().min(1).max(500) });
export const RevokeNodeReply = z.object({ nodeId: NodeId, revokedAt: IsoTimestamp });

export const identityCommands = {
  createEnrollmentToken: {
    kind: 'cmd',
    context: 'registry',
    what: 'enrollment-token-create',
    request: CreateEnrollmentTokenRequest,
    reply: CreateEnrollmentTokenReply,
  },
  enroll: { kind: 'cmd', context: 'registry', what: 'enroll', request: EnrollRequest, reply: EnrollReply },
  revokeNode: {
    kind: 'cmd',
    context: 'registry',
    what: 'node-revoke',
    request: RevokeNodeRequest,
    reply: RevokeNodeReply,
  },
} as const;
