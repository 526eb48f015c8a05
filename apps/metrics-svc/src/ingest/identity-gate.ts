import type { JsMsg } from '@nats-io/jetstream';
import {
  decodePublicKey,
  type IdentityEvent,
  identityEvents,
  identityViolation,
  type KnownIdentity,
} from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { Database, SecurityViolations, Violation } from '@vigil/platform';
import type { EntityManager } from 'typeorm';

/**
 * Checks that a sample batch speaks only for its own node, on the ingest hot path: every
 * identity is held in memory (loaded at start, kept current by the identities projection
 * this service runs), so a check costs no query. An enrolled node's batches must carry a
 * valid signature by its key; a revoked node's are refused; a node that never enrolled is
 * accepted unless enrollment is required.
 */
export class IdentityGate {
  private readonly known = new Map<string, KnownIdentity>();

  constructor(
    private readonly db: Database,
    private readonly violations: SecurityViolations,
    private readonly requireEnrollment: boolean,
  ) {}

  async load(): Promise<void> {
    const rows = await this.db.query<{ node_id: string; public_key: string | null; revoked_at: Date | null }>(
      'identities_load',
      'SELECT node_id, public_key, revoked_at FROM metrics.node_identities',
    );
    for (const r of rows)
      this.known.set(r.node_id, { key: r.public_key ? decodePublicKey(r.public_key) : null, revoked: !!r.revoked_at });
  }

  /** Undefined when the batch may be stored (the rule shared with registry-svc). */
  check(msg: JsMsg, subjectNodeId: string, nodeId: string): Violation | undefined {
    return identityViolation(msg, subjectNodeId, nodeId, this.known.get(nodeId), this.requireEnrollment, 'the batch');
  }

  /** Records a refused message: a `security.violation` event, a counter and a log line. */
  async report(msg: JsMsg, claimedNodeId: string, v: Violation): Promise<void> {
    await this.violations.report(msg, v, claimedNodeId);
  }

  /** `metrics.node_identities` and the in-memory view, from the identity events. */
  projection(): Projection<IdentityEvent> {
    return {
      name: 'metrics-identities',
      catalog: identityEvents,
      apply: async (event: StoredEvent<IdentityEvent>, tx: EntityManager) => {
        const id = event.data.nodeId;
        switch (event.type) {
          case 'identity.enrolled':
            // A new enrollment (after a re-key) ends a revocation.
            await tx.query(
              `INSERT INTO metrics.node_identities (node_id, public_key, last_event_seq) VALUES ($1, $2, $3)
               ON CONFLICT (node_id) DO UPDATE SET public_key = $2, revoked_at = NULL, last_event_seq = $3`,
              [id, event.data.publicKey, event.seq],
            );
            break;
          case 'identity.revoked':
            await tx.query(
              `INSERT INTO metrics.node_identities (node_id, revoked_at, last_event_seq) VALUES ($1, $2, $3)
               ON CONFLICT (node_id) DO UPDATE SET revoked_at = $2, last_event_seq = $3`,
              [id, event.occurredAt, event.seq],
            );
            break;
          case 'identity.rekey_allowed':
            break;
          default: {
            const never: never = event;
            return never;
          }
        }
      },
      // The in-memory view follows once the row is committed.
      afterCommit: (event: StoredEvent<IdentityEvent>) => {
        const current = this.known.get(event.data.nodeId) ?? { key: null, revoked: false };
        if (event.type === 'identity.enrolled') {
          this.known.set(event.data.nodeId, { key: decodePublicKey(event.data.publicKey), revoked: false });
        } else if (event.type === 'identity.revoked') {
          this.known.set(event.data.nodeId, { ...current, revoked: true });
        }
      },
      reset: async (tx: EntityManager) => {
        await tx.query('TRUNCATE metrics.node_identities');
        this.known.clear();
      },
    };
  }
}
