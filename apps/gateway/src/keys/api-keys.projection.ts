import { type ApiKeyEvent, apiKeyEvents } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';

/** `gateway.api_keys`: every key as its last event left it (never the key itself). */
export const apiKeysProjection: Projection<ApiKeyEvent> = {
  name: 'gateway-api-keys',
  catalog: apiKeyEvents,
  async apply(event: StoredEvent<ApiKeyEvent>, tx: EntityManager): Promise<void> {
    switch (event.type) {
      case 'apikey.created': {
        const { keyId, name, role, expiresAt, scope } = event.data;
        await tx.query(
          `INSERT INTO gateway.api_keys (id, name, role, created_at, created_by, expires_at, scope)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
          [keyId, name, role, event.occurredAt, event.meta.actor, expiresAt, scope ? JSON.stringify(scope) : null],
        );
        break;
      }
      case 'apikey.revoked':
        await tx.query('UPDATE gateway.api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [
          event.data.keyId,
          event.occurredAt,
        ]);
        break;
      default: {
        const never: never = event;
        return never;
      }
    }
  },
  async reset(tx: EntityManager): Promise<void> {
    await tx.query('TRUNCATE gateway.api_keys');
  },
};
