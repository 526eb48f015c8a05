import type { KeyObject } from 'node:crypto';
import type { JsMsg } from '@nats-io/jetstream';
import {
  decodePublicKey,
  type EventMeta,
  SIGNATURE_HEADER,
  type SecurityViolationEvent,
  subjectToken,
  type Topology,
  verifyMessage,
  type ViolationReason,
} from '@vigil/contracts';
import type { EventStore } from '@vigil/event-store';
import { PoisonMessageError } from '@vigil/messaging';
import type { Database } from '@vigil/platform';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

interface KnownIdentity {
  key: KeyObject | null;
  revoked: boolean;
  loadedAt: number;
}

/**
 * How long a replica trusts its cached view of a node's identity without hearing of a
 * change. Every replica runs the identities projection, which drops a node's entry as it
 * applies an enrollment or revocation, so this only bounds the rare lookup that raced that
 * commit. It must stay well above the heartbeat interval: at 5 s it expired between two
 * heartbeats and put a Postgres query on nearly every heartbeat.
 */
const CACHE_TTL_MS = 60_000;

/**
 * Checks that an agent message speaks only for its own node: the node named by the
 * subject is the one in the payload, and, once the node has enrolled, the message
 * carries a valid signature by the node's key. A revoked node is refused. Whatever
 * fails is recorded as a `security.violation` event, counted, and parked in the DLQ.
 */
export class IdentityVerifier {
  private readonly cache = new Map<string, KnownIdentity>();

  constructor(
    private readonly db: Database,
    private readonly topology: Topology,
    private readonly violations: EventStore<SecurityViolationEvent>,
    private readonly counter: Counter<'reason'>,
    private readonly logger: Logger,
    private readonly requireEnrollment: boolean,
  ) {}

  /** Bumped by every forget: a lookup that overlapped one does not cache what it read. */
  private invalidations = 0;

  forget(nodeId: string): void {
    this.invalidations++;
    this.cache.delete(nodeId);
  }

  async verify(msg: JsMsg, claimedNodeId: string): Promise<void> {
    const subjectNode = subjectToken(this.topology, msg.subject, 2) ?? '';
    if (subjectNode !== claimedNodeId) {
      return this.reject(msg, claimedNodeId, 'subject_mismatch', `subject names node ${subjectNode} but payload claims ${claimedNodeId}`);
    }
    const identity = await this.identity(claimedNodeId);
    if (identity.revoked) return this.reject(msg, claimedNodeId, 'revoked', `node ${claimedNodeId} is revoked`);
    if (!identity.key) {
      if (this.requireEnrollment) return this.reject(msg, claimedNodeId, 'not_enrolled', `node ${claimedNodeId} has not enrolled`);
      return;
    }
    const signature = msg.headers?.get(SIGNATURE_HEADER);
    if (!signature) return this.reject(msg, claimedNodeId, 'unsigned', `node ${claimedNodeId} is enrolled; unsigned message`);
    const msgId = msg.headers?.get('Nats-Msg-Id') ?? '';
    if (!verifyMessage(identity.key, msg.subject, msgId, msg.data, signature)) {
      return this.reject(msg, claimedNodeId, 'bad_signature', `signature does not match node ${claimedNodeId}'s key`);
    }
  }

  private async identity(nodeId: string): Promise<KnownIdentity> {
    const cached = this.cache.get(nodeId);
    if (cached && Date.now() - cached.loadedAt < CACHE_TTL_MS) return cached;
    const invalidations = this.invalidations;
    const rows = await this.db.query<{ public_key: string | null; revoked_at: Date | null }>(
      'identity_get',
      'SELECT public_key, revoked_at FROM registry.node_identities WHERE node_id = $1',
      [nodeId],
    );
    const row = rows[0];
    const known = { key: row?.public_key ? decodePublicKey(row.public_key) : null, revoked: !!row?.revoked_at, loadedAt: Date.now() };
    if (invalidations === this.invalidations) this.cache.set(nodeId, known);
    return known;
  }

  private async reject(msg: JsMsg, claimedNodeId: string, reason: ViolationReason, detail: string): Promise<never> {
    const meta: EventMeta = { correlationId: `msg:${msg.seq}`, causationId: `msg:${msg.seq}`, actor: 'service:registry-svc' };
    const aggregate = /^[A-Za-z0-9_-]{1,128}$/.test(claimedNodeId) ? claimedNodeId : 'invalid-node-id';
    await this.violations.append(
      aggregate,
      [{ type: 'security.violation', data: { claimedNodeId: claimedNodeId.slice(0, 256), subject: msg.subject, reason, detail } }],
      'any',
      meta,
    );
    this.counter.inc({ reason });
    this.logger.warn({ node_id: claimedNodeId, subject: msg.subject, reason, detail }, 'security violation');
    throw new PoisonMessageError('identity_mismatch', `${reason}: ${detail}`);
  }
}
