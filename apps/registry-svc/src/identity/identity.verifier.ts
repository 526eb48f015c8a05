import { Injectable } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import { checkIdentity, decodePublicKey, type KnownIdentity, staleStamp, type Topology } from '@vigil/contracts';
import { PoisonMessageError } from '@vigil/messaging';
import {
  boundedMapMetrics,
  Bus,
  Database,
  LruMap,
  InjectConfig,
  Observability,
  SecurityViolations,
  type ServiceConfig,
  type Violation,
} from '@vigil/platform';
import type { RegistryEnv } from '../config';
import { IdentitiesReadModel } from '../projections/identities.read-model';
import { SharedReplayState } from './shared-replay-state';

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

/** Identities cached at most (least recently used go first): ~100 bytes each. */
const IDENTITY_CACHE_MAX = 100_000;

/**
 * Checks that an agent message speaks only for its own node, and only once: the node named by
 * the subject is the one in the payload, and, once the node has enrolled, the message carries
 * a valid signature by the node's key over a fresh, increasing stamp (SharedReplayState: per
 * consumer, heartbeats, inventory, agent events, in Postgres). A revoked node is refused. Whatever fails is
 * recorded as a `security.violation` event, counted, and parked in the DLQ.
 */
@Injectable()
export class IdentityVerifier {
  /** Bounded: a lookup of any id anyone claims (also one never enrolled) is cached. */
  private readonly cache: LruMap<string, CachedIdentity>;
  private readonly topology: Topology;
  private readonly requireEnrollment: boolean;
  private readonly replays: SharedReplayState;
  private readonly skewMs: number;

  constructor(
    private readonly db: Database,
    bus: Bus,
    private readonly obs: Observability,
    private readonly violations: SecurityViolations,
    identities: IdentitiesReadModel,
    @InjectConfig() config: ServiceConfig & RegistryEnv,
  ) {
    this.cache = new LruMap(IDENTITY_CACHE_MAX, {
      name: 'registry_identity_cache',
      ...boundedMapMetrics(obs.registry),
    });
    this.topology = bus.topology;
    this.requireEnrollment = config.VIGIL_REQUIRE_ENROLLMENT;
    this.skewMs = config.VIGIL_SIGNATURE_SKEW_MS;
    this.replays = new SharedReplayState(db, config.VIGIL_SIGNATURE_SKEW_MS);
    // Invalidated once this replica has committed the event (every replica runs the
    // projection); a lookup that overlapped the invalidation does not cache what it read.
    identities.onChange((nodeId) => this.forget(nodeId));
  }

  /** Bumped by every forget: a lookup that overlapped one does not cache what it read. */
  private invalidations = 0;

  private forget(nodeId: string): void {
    this.invalidations++;
    this.cache.delete(nodeId);
    // An enrollment (a new key) or a revocation starts the node's history anew (on every
    // replica: the delete is idempotent; a copy signed by the old key fails its signature).
    // A failed delete leaves the old mark: a node that re-enrolled with a fresh agent state
    // (a lower boot) would be refused until its boot passes it; the agent's boot is its
    // start time, so that is only a clock set back.
    this.replays
      .forget(nodeId)
      .catch((e: unknown) => this.obs.logger.warn({ err: e, node_id: nodeId }, 'replay mark not forgotten'));
  }

  /** Refuses (see the class) or answers whether the message came signed by an enrolled node. */
  async verify(msg: JsMsg, claimedNodeId: string): Promise<{ enrolled: boolean }> {
    const subject = this.topology.parse.telemetry(msg.subject);
    const subjectNode = subject?.nodeId ?? '';
    const identity = subjectNode === claimedNodeId ? await this.identity(claimedNodeId) : undefined;
    const checked = checkIdentity(msg, subjectNode, claimedNodeId, identity, this.requireEnrollment);
    if (!checked.ok) return this.reject(msg, claimedNodeId, checked);
    if (!checked.stamp || !subject) return { enrolled: false };
    const replayed = await this.replays.check(subject.kind, claimedNodeId, checked.stamp, {
      streamSeq: msg.seq,
      storedAt: Math.floor(msg.info.timestampNanos / 1e6),
    });
    if (replayed) await this.reject(msg, claimedNodeId, replayed);
    return { enrolled: true };
  }

  /**
   * The check of a message an admin redrives, possibly long after the stream stored it: the
   * node the subject names is the payload's, the node is not revoked (now), an enrolled node's
   * signature is valid, and the signed time is within the skew of the time the stream stored
   * the original (as the live check: against the stored time, never against now). Not the
   * replay marks: they have moved past every message stored during an outage and would refuse
   * each one. What stands in for them: each stored message is redriven once (the ledger, by its
   * stream sequence), a message parked as a replay is not redriven (TelemetryRedrive), and what
   * a redrive applies is idempotent. A refusal throws PoisonMessageError like `verify`, but is
   * not reported as a violation again: it was when the message was parked.
   */
  async verifyRedriven(msg: JsMsg, claimedNodeId: string): Promise<{ enrolled: boolean }> {
    const subject = this.topology.parse.telemetry(msg.subject);
    const subjectNode = subject?.nodeId ?? '';
    // Read now, not from the cache: a revocation since the message was parked must count.
    this.cache.delete(claimedNodeId);
    const identity = subjectNode === claimedNodeId ? await this.identity(claimedNodeId) : undefined;
    const checked = checkIdentity(msg, subjectNode, claimedNodeId, identity, this.requireEnrollment);
    const refusal = !checked.ok
      ? checked
      : checked.stamp
        ? staleStamp(claimedNodeId, checked.stamp, Math.floor(msg.info.timestampNanos / 1e6), this.skewMs)
        : undefined;
    if (refusal) throw new PoisonMessageError('identity_mismatch', `${refusal.reason}: ${refusal.detail}`);
    return { enrolled: checked.ok && checked.stamp !== undefined };
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

  private async reject(msg: JsMsg, claimedNodeId: string, { reason, detail }: Violation): Promise<never> {
    const violation = { reason, detail };
    await this.violations.report(msg, violation, claimedNodeId);
    throw new PoisonMessageError('identity_mismatch', `${violation.reason}: ${violation.detail}`);
  }
}
