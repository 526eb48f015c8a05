import { type IdentityEvent, identityEvents } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';

/** `registry.node_identities`: each node's enrolled key and revocation (a new enrollment after a re-key ends it). */
export function identitiesProjection(onChange: (nodeId: string) => void): Projection<IdentityEvent> {
  return {
    name: 'registry-identities',
    catalog: identityEvents,
    async apply(event: StoredEvent<IdentityEvent>, tx: EntityManager): Promise<void> {
      switch (event.type) {
        case 'identity.enrolled':
          await tx.query(
            `INSERT INTO registry.node_identities (node_id, public_key, enrolled_at, last_event_seq) VALUES ($1, $2, $3, $4)
             ON CONFLICT (node_id) DO UPDATE SET public_key = $2, enrolled_at = $3, last_event_seq = $4,
               revoked_at = NULL, revoke_reason = NULL`,
            [event.data.nodeId, event.data.publicKey, event.occurredAt, event.seq],
          );
          break;
        case 'identity.revoked':
          await tx.query(
            `INSERT INTO registry.node_identities (node_id, revoked_at, revoke_reason, last_event_seq) VALUES ($1, $2, $3, $4)
             ON CONFLICT (node_id) DO UPDATE SET revoked_at = $2, revoke_reason = $3, last_event_seq = $4`,
            [event.data.nodeId, event.occurredAt, event.data.reason, event.seq],
          );
          break;
        case 'identity.rekey_allowed':
          // Changes nothing the checks read: the key in effect stays until the next enrollment.
          break;
        default: {
          const never: never = event;
          return never;
        }
      }
    },
    // After the commit: dropped earlier, a lookup racing the commit would cache the old row.
    afterCommit(event: StoredEvent<IdentityEvent>): void {
      onChange(event.data.nodeId);
    },
    async reset(tx: EntityManager): Promise<void> {
      await tx.query('TRUNCATE registry.node_identities');
    },
  };
}
