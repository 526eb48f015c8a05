import { type UserEvent, userEvents } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';

/** `gateway.users`: every user as their last event left them, with who changed them last. */
export const usersProjection: Projection<UserEvent> = {
  name: 'gateway-users',
  catalog: userEvents,
  async apply(event: StoredEvent<UserEvent>, tx: EntityManager): Promise<void> {
    const by = event.meta.actor;
    const at = event.occurredAt;
    switch (event.type) {
      case 'user.created':
        await tx.query(
          `INSERT INTO gateway.users (username, role, disabled, created_at, updated_at, updated_by)
           VALUES ($1, $2, false, $3, $3, $4) ON CONFLICT (username) DO NOTHING`,
          [event.data.username, event.data.role, at, by],
        );
        break;
      case 'user.role_changed':
        await tx.query('UPDATE gateway.users SET role = $2, updated_at = $3, updated_by = $4 WHERE username = $1', [
          event.data.username,
          event.data.role,
          at,
          by,
        ]);
        break;
      case 'user.disabled':
        await tx.query(
          'UPDATE gateway.users SET disabled = true, updated_at = $2, updated_by = $3 WHERE username = $1',
          [event.data.username, at, by],
        );
        break;
      case 'user.password_changed':
        await tx.query(
          `UPDATE gateway.users SET password_changed_at = $2, updated_at = $2, updated_by = $3 WHERE username = $1`,
          [event.data.username, at, by],
        );
        break;
      case 'user.sso_linked':
        await tx.query(
          'UPDATE gateway.users SET sso_issuer = $2, sso_subject = $3, updated_at = $4, updated_by = $5 WHERE username = $1',
          [event.data.username, event.data.issuer, event.data.subject, at, by],
        );
        break;
      default: {
        const never: never = event;
        return never;
      }
    }
  },
  async reset(tx: EntityManager): Promise<void> {
    await tx.query('TRUNCATE gateway.users');
  },
};
