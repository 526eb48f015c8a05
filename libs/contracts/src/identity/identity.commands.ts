import * as z from 'zod';
import { IsoTimestamp, NodeId } from '../common.schema';

/** Enrollment tokens are short-lived: an hour unless asked, a day at most. */
export const ENROLLMENT_TOKEN_MAX_TTL_SECONDS = 24 * 3600;

/** Who asks (`user:<name>`, `key:<id>`), recorded with what it changes; the gateway always sends it. */
const CommandActor = z.string().min(1).max(256).optional();

export const CreateEnrollmentTokenRequest = z.object({
  ttlSeconds: z.number().int().min(60).max(ENROLLMENT_TOKEN_MAX_TTL_SECONDS).default(3600),
  /**
   * The one node the token may enroll. Without it the registry issues a new node id, bound to
   * the token, which the agent must run as (`VIGIL_AGENT_NODE_ID`).
   */
  nodeId: NodeId.optional(),
  note: z.string().max(200).optional(),
  /**
   * Who asks (`user:<name>`, `key:<id>`), as the list shows it. The gateway always sends it;
   * a token asked for straight over NATS (the `admin` identity) is listed with none.
   */
  actor: CommandActor,
});
export const CreateEnrollmentTokenReply = z.object({
  tokenId: z.uuid(),
  token: z.string(),
  /** The node the token is bound to (given, or issued). */
  nodeId: NodeId,
  expiresAt: IsoTimestamp,
});

export const EnrollRequest = z.object({
  /** One-time: a token enrolls the one node it is bound to, once. */
  token: z.string().min(20).max(200),
  nodeId: NodeId,
  publicKey: z.string().min(40).max(200),
  hostname: z.string().min(1).max(255),
});
export const EnrollReply = z.object({ nodeId: NodeId, enrolledAt: IsoTimestamp });

export const RevokeNodeRequest = z.object({ nodeId: NodeId, reason: z.string().min(1).max(500), actor: CommandActor });
export const RevokeNodeReply = z.object({ nodeId: NodeId, revokedAt: IsoTimestamp });

/**
 * An admin's leave for the next enrollment of `nodeId` to bring a new key (a reinstalled host,
 * a lost or revoked key); without it a node that has a key keeps it.
 */
export const RekeyNodeRequest = z.object({ nodeId: NodeId, reason: z.string().min(1).max(500), actor: CommandActor });
export const RekeyNodeReply = z.object({ nodeId: NodeId, allowedAt: IsoTimestamp });

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
  rekeyNode: { kind: 'cmd', context: 'registry', what: 'node-rekey', request: RekeyNodeRequest, reply: RekeyNodeReply },
} as const;
