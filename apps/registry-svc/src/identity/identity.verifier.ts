import type { JsMsg } from '@nats-io/jetstream';
import {
  decodePublicKey,
  type EventMeta,
  type SecurityViolationEvent,
  NODE_ID_PATTERN,
  type Topology,
  identityViolation,
  type KnownIdentity,
  type ViolationReason,
} from '@vigil/contracts';
import type { EventStore } from '@vigil/event-store';
import { PoisonMessageError } from '@vigil/messaging';
import type { Database } from '@vigil/platform';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

interface CachedIdentity extends KnownIdentity {
  loadedAt: number;
}

/**
 * How long a replica trusts its cached view of a node's identity without hearing of a
 * change. Every replica runs the identities projection, which drops a node's entry once it
 * has committed an enrollment or revocation, so this only bounds the rare lookup that raced that
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
  private readonly cache = new Map<string, CachedIdentity>();

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
    const subjectNode = this.topology.parse.telemetry(msg.subject)?.nodeId ?? '';
    const identity = subjectNode === claimedNodeId ? await this.identity(claimedNodeId) : undefined;
    const violation = identityViolation(msg, subjectNode, claimedNodeId, identity, this.requireEnrollment);
    if (violation) await this.reject(msg, claimedNodeId, violation.reason, violation.detail);
  }

  private async identity(nodeId: string): Promise<CachedIdentity> {
    const cached = this.cache.get(nodeId);
    if (cached && Date.now() - cached.loadedAt < CACHE_TTL_MS) return cached;
    const invalidations = this.invalidations;
    const rows = await this.db.query<{ public_key: string | null; revoked_at: Date | null }>(
      'identity_get',
      'SELECT public_key, revoked_at FROM registry.node_identities WHERE node_id = $1',
      [nodeId],
    );
    const row = rows[0];
    const known = {
      key: row?.public_key ? decodePublicKey(row.public_key) : null,
      revoked: !!row?.revoked_at,
      loadedAt: Date.now(),
    };
    if (invalidations === this.invalidations) this.cache.set(nodeId, known);
    return known;
  }

  private async reject(msg: JsMsg, claimedNodeId: string, reason: ViolationReason, detail: string): Promise<never> {
    const meta: EventMeta = {
      correlationId: `msg:${msg.seq}`,
      causationId: `msg:${msg.seq}`,
      actor: 'service:registry-svc',
    };
    const aggregate = NODE_ID_PATTERN.test(claimedNodeId) ? claimedNodeId : 'invalid-node-id';
    await this.violations.append(
      aggregate,
      [
        {
          type: 'security.violation',
          data: { claimedNodeId: claimedNodeId.slice(0, 256), subject: msg.subject, reason, detail },
        },
      ],
      'any',
      meta,
    );
    this.counter.inc({ reason });
    this.logger.warn({ node_id: claimedNodeId, subject: msg.subject, reason, detail }, 'security violation');
    throw new PoisonMessageError('identity_mismatch', `${reason}: ${detail}`);
  }
}
