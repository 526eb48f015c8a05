import type { JsMsg } from '@nats-io/jetstream';
import {
  checkIdentity,
  decodePublicKey,
  type IdentityEvent,
  identityEvents,
  type KnownIdentity,
  ReplayGuard,
  type ReplayGuardOptions,
} from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';
import type { Database } from './infra';
import type { SecurityViolations, Violation } from './security-violations';

export interface IdentityGateOptions {
  /** The service's copy of the identities: `<schema>.node_identities` (node_id, public_key, revoked_at, last_event_seq). */
  table: string;
  /** The name of the projection that keeps it. */
  projection: string;
  requireEnrollment: boolean;
  /** How far a signed time may be from the time the stream stored the message. */
  skewMs: number;
  /**
   * The service's durable replay marks (`<schema>.replay_marks`, keyed by node_id), if it keeps
   * them: an enrollment or a revocation deletes the node's row in the projection's transaction,
   * since a new key starts a new history.
   */
  marksTable?: string;
}

/**
 * Checks that an agent message speaks only for its own node, and only once, on a hot path
 * (metrics-svc's ingest, alert-svc's evaluator): every identity is held in memory (loaded at
 * start, kept current by the identities projection the service runs), so a check costs no
 * query. An enrolled node's messages must carry a valid signature by its key over a fresh,
 * increasing stamp (ReplayGuard); a revoked node's are refused; a node that never enrolled is
 * accepted unless enrollment is required.
 */
export class IdentityGate {
  private readonly known = new Map<string, KnownIdentity>();
  private readonly replays: ReplayGuard;
  /** Replay states handed out to readers of their own (newReplayGuard): each forgets with this one. */
  private readonly handedOut = new Set<ReplayGuard>();

  constructor(
    private readonly db: Database,
    private readonly violations: SecurityViolations,
    private readonly options: IdentityGateOptions,
  ) {
    this.replays = new ReplayGuard(options.skewMs);
  }

  async load(): Promise<void> {
    const rows = await this.db.query<{ node_id: string; public_key: string | null; revoked_at: Date | null }>(
      'identities_load',
      `SELECT node_id, public_key, revoked_at FROM ${this.options.table}`,
    );
    for (const r of rows)
      this.known.set(r.node_id, { key: r.public_key ? decodePublicKey(r.public_key) : null, revoked: !!r.revoked_at });
  }

  /**
   * Undefined when the message may be taken (the rule shared with registry-svc). `replays`: a
   * reader of its own (alert-svc's read of the recent past, beside its live one) brings its
   * own replay state.
   */
  check(
    msg: JsMsg,
    subjectNodeId: string,
    nodeId: string,
    { claimant = 'the batch', replays = this.replays }: { claimant?: string; replays?: ReplayGuard } = {},
  ): Violation | undefined {
    const checked = checkIdentity(
      msg,
      subjectNodeId,
      nodeId,
      this.known.get(nodeId),
      this.options.requireEnrollment,
      claimant,
    );
    if (!checked.ok) return { reason: checked.reason, detail: checked.detail };
    if (!checked.stamp) return undefined;
    return replays.check(nodeId, checked.stamp, {
      streamSeq: msg.seq,
      storedAt: Math.floor(msg.info.timestampNanos / 1e6),
    });
  }

  /**
   * A replay state for a reader of its own (see `check`). It forgets a node on a new
   * enrollment or a revocation as this gate's does, until `releaseReplayGuard`.
   */
  newReplayGuard(options: ReplayGuardOptions = {}): ReplayGuard {
    const guard = new ReplayGuard(this.options.skewMs, options);
    this.handedOut.add(guard);
    return guard;
  }

  releaseReplayGuard(guard: ReplayGuard | undefined): void {
    if (guard) this.handedOut.delete(guard);
  }

  private forgetEverywhere(nodeId: string): void {
    this.replays.forget(nodeId);
    for (const guard of this.handedOut) guard.forget(nodeId);
  }

  /** Before re-reading messages it may have refused: see ReplayGuard. */
  forgetReplayState(which: (nodeId: string) => boolean): void {
    this.replays.forgetWhere(which);
  }

  /** Records a refused message: a `security.violation` event, a counter and a log line. */
  async report(msg: JsMsg, claimedNodeId: string, v: Violation): Promise<void> {
    await this.violations.report(msg, v, claimedNodeId);
  }

  /** The identities table and the in-memory view, from the identity events. */
  projection(): Projection<IdentityEvent> {
    const table = this.options.table;
    const marks = this.options.marksTable;
    return {
      name: this.options.projection,
      catalog: identityEvents,
      apply: async (event: StoredEvent<IdentityEvent>, tx: EntityManager) => {
        const id = event.data.nodeId;
        switch (event.type) {
          case 'identity.enrolled':
            // A new enrollment (after a re-key) ends a revocation.
            await tx.query(
              `INSERT INTO ${table} (node_id, public_key, last_event_seq) VALUES ($1, $2, $3)
               ON CONFLICT (node_id) DO UPDATE SET public_key = $2, revoked_at = NULL, last_event_seq = $3`,
              [id, event.data.publicKey, event.seq],
            );
            break;
          case 'identity.revoked':
            await tx.query(
              `INSERT INTO ${table} (node_id, revoked_at, last_event_seq) VALUES ($1, $2, $3)
               ON CONFLICT (node_id) DO UPDATE SET revoked_at = $2, last_event_seq = $3`,
              [id, event.occurredAt, event.seq],
            );
            break;
          case 'identity.rekey_allowed':
            return;
          default: {
            const never: never = event;
            return never;
          }
        }
        if (marks) await tx.query(`DELETE FROM ${marks} WHERE node_id = $1`, [id]);
      },
      // The in-memory view follows once the row is committed.
      afterCommit: (event: StoredEvent<IdentityEvent>) => {
        const nodeId = event.data.nodeId;
        if (event.type === 'identity.enrolled') {
          this.known.set(nodeId, { key: decodePublicKey(event.data.publicKey), revoked: false });
          // A new key starts a new history.
          this.forgetEverywhere(nodeId);
        } else if (event.type === 'identity.revoked') {
          this.known.set(nodeId, { ...(this.known.get(nodeId) ?? { key: null }), revoked: true });
          this.forgetEverywhere(nodeId);
        }
      },
      reset: async (tx: EntityManager) => {
        await tx.query(`TRUNCATE ${table}`);
        this.known.clear();
      },
    };
  }
}
